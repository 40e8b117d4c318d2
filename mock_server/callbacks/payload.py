"""The bytes of one callback: the bare task object, exactly as the query endpoint renders it.

Kling sends the task object with no ``code/message/data`` envelope (api-reference.md 2.1).
The bytes are built once, from the task value of that status change (tasks are immutable
values, so it is a snapshot), and every attempt resends those same bytes: a signature always
covers what went on the wire and a retry never reports a newer state than its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mock_server.tasks.lifecycle import StatusChange
from mock_server.tasks.model import Task

CONTENT_TYPE = "application/json; charset=utf-8"

Render = Callable[[Task], dict[str, Any]]


def encode(data: dict[str, Any]) -> bytes:
    """UTF-8 JSON with compact separators, as the fake's responses are (http/envelope.py)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def callback_body(task: Task, render: Render) -> bytes:
    """Body for ``task`` rendered by the query endpoint's own ``render``."""
    return encode(render(task))


def body_for_change(change: StatusChange, render: Render) -> bytes:
    """Body for one lifecycle ``StatusChange`` (its ``task`` is the value right after it)."""
    return callback_body(change.task, render)
