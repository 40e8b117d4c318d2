"""The front door: the one outermost layer, so every request pays for one pass, not three.

In that pass, in this order:

- the path is made canonical (http/slashes.py), before anything else reads it;
- a Kling request (not the control API, not ``/openapi.json``) gets its journal row
  (http/journal.py) once it is answered, however that went, faults included;
- an unexpected exception is logged and answered with code 5000, with no traceback and a
  request_id of its own, drawn outside the seeded streams; the journal row shows that answer.
  A client that hangs up before its request was read gets one info line in the log and no
  answer (there is nobody to answer); a connection a fault rule drops is dropped.

Nothing sits outside it (http/stack.py leaves out Starlette's own error layer, which would
only ever see what this one re-raises).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Protocol

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.http.envelope import failure
from mock_server.http.journal import RequestJournal, Watch
from mock_server.http.slashes import folded
from mock_server.simulation.middleware import DroppedConnection
from mock_server.tasks.clock import Clock

log = logging.getLogger("kling_mock")


class Journalled(Protocol):
    """Where rows go and what time it is (the backend; its journal is replaced on a reset)."""

    @property
    def journal(self) -> RequestJournal: ...

    @property
    def clock(self) -> Clock: ...


class FrontDoor:
    def __init__(
        self, app: ASGIApp, backend: Journalled, skip_prefixes: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self._backend = backend
        self._skip = skip_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = folded(scope)
        path: str = scope["path"]
        journalled = not path.startswith(self._skip)
        at_ms = self._backend.clock.now_ms() if journalled else 0
        started = time.perf_counter()
        watch = Watch(send)
        try:
            await self.app(scope, receive, watch.send)
        except ClientDisconnect:
            log.info("client went away during %s %s", scope["method"], path)
        except DroppedConnection:  # a fault rule asked for it: the server must cut the line
            log.info("dropping the connection of %s %s (fault rule)", scope["method"], path)
            raise
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), path)
            if watch.status is not None:
                raise
            # uuid4, not the seeded stream: a bug must not shift the ids of a reproducible run
            response = failure(5000, "Server internal error", str(uuid.uuid4()), 500)
            await response(scope, receive, watch.send)
        finally:
            if journalled:
                notes = (scope.get("state") or {}).get("kling")
                seconds = time.perf_counter() - started
                self._backend.journal.record(at_ms, scope["method"], path, watch, seconds, notes)
