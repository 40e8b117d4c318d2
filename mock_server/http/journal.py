"""The request journal: one row per Kling request, whatever its outcome (respx's router
records every call the same way). Bounded; read and filtered through the control API, and the
source of the client-behaviour report.

Endpoints add what only they know (account, endpoint, task ids, body and token digests) to
``request.state.kling``; the middleware adds method, path, status, Kling code and latency.
Control API calls are not journalled (they would drown the client's own requests).
"""

from __future__ import annotations

import itertools
import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_CODE = re.compile(rb'^\{"code":(-?\d+)')
FILTERS = ("method", "path", "status", "code", "account", "endpoint", "task_id")


class RequestJournal:
    def __init__(self, maxlen: int) -> None:
        self._rows: deque[dict[str, Any]] = deque(maxlen=maxlen)
        self._ids = itertools.count(1)

    def record(self, row: dict[str, Any]) -> None:
        self._rows.append({"id": next(self._ids), **row})

    def rows(self, **filters: Any) -> list[dict[str, Any]]:
        """Oldest first; each filter keeps rows whose field equals it (``path``: a prefix,
        ``task_id``: one of the row's task ids); ``since_id`` keeps newer rows only."""
        since = int(filters.pop("since_id", 0) or 0)
        out = []
        for row in self._rows:
            if row["id"] <= since or not all(_matches(row, k, v) for k, v in filters.items()):
                continue
            out.append(dict(row))
        return out

    def clear(self) -> None:
        self._rows.clear()


def _matches(row: dict[str, Any], key: str, wanted: Any) -> bool:
    if wanted is None:
        return True
    if key == "path":
        return str(row.get("path", "")).startswith(str(wanted))
    if key == "task_id":
        return str(wanted) in row.get("task_ids", ())
    return str(row.get(key)) == str(wanted)


class JournalMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        journal: Callable[[Scope], RequestJournal | None],
        now_ms: Callable[[Scope], int],
        skip_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self._journal = journal
        self._now_ms = now_ms
        self._skip = skip_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self._skip):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        at_ms = self._now_ms(scope)
        seen: dict[str, Any] = {"status": None, "code": None}

        async def watching_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body" and seen["code"] is None:
                match = _CODE.match(message.get("body", b"")[:32])
                seen["code"] = int(match.group(1)) if match else ""
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            journal = self._journal(scope)
            if journal is not None:
                extra = (scope.get("state") or {}).get("kling") or {}
                journal.record(
                    {
                        "at_ms": at_ms,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": seen["status"],
                        "code": seen["code"] if seen["code"] != "" else None,
                        "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                        **extra,
                    }
                )
