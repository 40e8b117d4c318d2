"""The request journal: one row per Kling request, whatever its outcome (respx's router
records every call the same way). Bounded; read and filtered through the control API, and the
source of the client-behaviour report.

Endpoints add what only they know (account, endpoint, task ids, body and token digests) to
``scope["state"]["kling"]``; the front door (http/door.py) adds method, path, status, Kling
code and latency. Control API calls are not journalled (they would drown the client's own
requests).

Writing is on every request and reading is rare, so a row is kept as the raw facts in a tuple
(the answer's first bytes, the elapsed seconds) and becomes the documented dict only when read.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from typing import Any

from starlette.types import Message, Send

_CODE = re.compile(rb'^\{"code":(-?\d+)')
HEAD_BYTES = 32  # enough of an answer to read its Kling code
FILTERS = ("method", "path", "status", "code", "account", "endpoint", "task_id")

# id, at_ms, method, path, status, head of the body, elapsed seconds, the endpoint's notes
Entry = tuple[int, int, str, str, int | None, bytes | None, float, dict[str, Any] | None]


class RequestJournal:
    def __init__(self, maxlen: int) -> None:
        self._rows: deque[Entry] = deque(maxlen=maxlen)
        self._ids = itertools.count(1)

    def record(
        self,
        at_ms: int,
        method: str,
        path: str,
        watch: Watch,
        seconds: float,
        notes: dict[str, Any] | None,
    ) -> None:
        """``notes``: the request's own dict, kept as is (nothing writes it after the answer)."""
        entry = (next(self._ids), at_ms, method, path, watch.status, watch.head, seconds, notes)
        self._rows.append(entry)

    def rows(self, **filters: Any) -> list[dict[str, Any]]:
        """Oldest first; each filter keeps rows whose field equals it (``path``: a prefix,
        ``task_id``: one of the row's task ids); ``since_id`` keeps newer rows only."""
        since = int(filters.pop("since_id", 0) or 0)
        out = []
        for entry in list(self._rows):
            if entry[0] <= since:
                continue
            row = _row(entry)
            if all(_matches(row, k, v) for k, v in filters.items()):
                out.append(row)
        return out

    def clear(self) -> None:
        self._rows.clear()


def _row(entry: Entry) -> dict[str, Any]:
    row_id, at_ms, method, path, status, head, seconds, notes = entry
    match = _CODE.match(head) if head is not None else None
    return {
        "id": row_id,
        "at_ms": at_ms,
        "method": method,
        "path": path,
        "status": status,
        "code": int(match.group(1)) if match else None,
        "latency_ms": round(seconds * 1000, 3),
        **(notes or {}),
    }


def _matches(row: dict[str, Any], key: str, wanted: Any) -> bool:
    if wanted is None:
        return True
    if key == "path":
        return str(row.get("path", "")).startswith(str(wanted))
    if key == "task_id":
        return str(wanted) in row.get("task_ids", ())
    return str(row.get(key)) == str(wanted)


class Watch:
    """Passes an answer on, noting its status and its first body bytes (for the journal row;
    ``status`` is also how the front door knows the answer has started)."""

    __slots__ = ("_send", "head", "status")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status: int | None = None
        self.head: bytes | None = None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
        elif kind == "http.response.body" and self.head is None:
            self.head = message.get("body", b"")[:HEAD_BYTES]
        await self._send(message)
