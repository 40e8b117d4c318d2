"""App factories for ``--kling-app``: the real fake with one seeded fault each, so the harness
can be shown to catch it.

Schema faults (``accepts_any_duration``) change what the fake is built from; code faults
(``skips_image_checks``, ``ignores_sum_rule``) break a function of the validation code and
leave the schemas alone. In-process, the contract harness's validator oracle runs that same
code, so only the sweep's independent expectations (contract_tests/mutations.py) can see them.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import Message, Receive, Scope, Send

from mock_server.app import create_app, default_spec
from mock_server.results.render import task_data
from mock_server.settings import Settings
from mock_server.tasks.clock import Clock
from mock_server.tasks.lifecycle import StatusChange
from mock_server.validation import rules, validator
from mock_server.validation.rules import Problem


def accepts_any_duration(settings: Settings, clock: Clock) -> Starlette:
    """text2video stops enforcing its duration values (any string is taken)."""
    spec = default_spec()
    schema = copy.deepcopy(spec.schema("requests/text2video.json"))
    schema["properties"]["duration"] = {"type": "string"}
    schema["allOf"] = [r for r in schema["allOf"] if "duration" not in json.dumps(r)]
    broken = dataclasses.replace(spec, schemas={**spec.schemas, "requests/text2video.json": schema})
    return create_app(settings, clock=clock, spec=broken)


def _trust_every_image(value: str, spec: dict[str, Any]) -> None:
    """``images.check_image`` with its body lost: any string passes as an image."""


def _no_problems(instance: dict[str, Any], params: dict[str, Any]) -> Iterator[Problem]:
    """A business rule that never finds anything."""
    return iter(())


def skip_image_checks(patch: pytest.MonkeyPatch) -> None:
    patch.setattr(validator, "check_image", _trust_every_image)


def ignore_sum_rule(patch: pytest.MonkeyPatch) -> None:
    patch.setitem(rules.RULES, "sum_equals", _no_problems)


def skips_image_checks(settings: Settings, clock: Clock) -> Starlette:
    """x-kling-image checks nothing: data: URIs, bad Base64 and tiny images are taken."""
    skip_image_checks(pytest.MonkeyPatch())  # for the life of this (contract) process
    return create_app(settings, clock=clock)


def ignores_sum_rule(settings: Settings, clock: Clock) -> Starlette:
    """The x-kling-rule ``sum_equals`` finds nothing: shot durations need not add up."""
    ignore_sum_rule(pytest.MonkeyPatch())  # for the life of this (contract) process
    return create_app(settings, clock=clock)


class _RenameStatus:
    """Rewrites "succeed" to "succeeded" in every JSON response (the new design's word)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: dict[str, Any] = {}

        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body = message.get("body", b"").replace(b'"succeed"', b'"succeeded"')
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({**message, "body": body})

        await self.app(scope, receive, rewrite)


def says_succeeded(settings: Settings, clock: Clock) -> Any:
    app = create_app(settings, clock=clock)
    wrapped = _RenameStatus(app)
    wrapped.state = app.state  # type: ignore[attr-defined]
    return wrapped


def _silenced(settings: Settings, clock: Clock) -> Starlette:
    """The real fake with its own callback sender switched off."""
    app = create_app(settings, clock=clock)
    app.state.backend.callbacks.submit = lambda *args, **kwargs: False
    return app


def sends_no_callbacks(settings: Settings, clock: Clock) -> Starlette:
    return _silenced(settings, clock)


def sends_callbacks_out_of_order(settings: Settings, clock: Clock) -> Starlette:
    """POSTs the bare task object to callback_url on every change, last status first."""
    app = _silenced(settings, clock)
    backend = app.state.backend
    pending: dict[str, list[dict[str, Any]]] = {}

    def deliver(change: StatusChange) -> None:
        task = change.task
        url = task.body.get("callback_url")
        if not isinstance(url, str) or not url.startswith("http://127.0.0.1"):
            return
        ep = backend.registry.endpoints[task.endpoint]
        pending.setdefault(task.task_id, []).append(
            task_data(task, watermark_supported=ep.watermark)
        )
        if change.new in ("succeed", "failed"):
            for item in reversed(pending.pop(task.task_id)):
                httpx.post(url, json=item)

    backend.lifecycle.subscribe(deliver)
    return app
