"""Call an ASGI app from synchronous code: requests run through ``httpx.ASGITransport`` on a
private event loop in a background thread. Used by the respx helper (Kling's hosts -> the
fake, for sync and async httpx clients alike) and by the contract harness's in-process target.

With ``lifespan=True`` the app's lifespan runs on that loop too, as under a server: the
lifecycle worker applies transitions when the clock moves and callbacks are delivered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from types import TracebackType
from typing import Any, TypeVar

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal

T = TypeVar("T")


class AsgiBridge:
    def __init__(self, app: Any, *, lifespan: bool = False) -> None:
        self._app = app
        self._lifespan = lifespan
        self._stack = ExitStack()
        self._portal: BlockingPortal | None = None

    def _started(self) -> BlockingPortal:
        if self._portal is None:
            self._portal = self._stack.enter_context(start_blocking_portal())
            if self._lifespan:
                context = self._app.router.lifespan_context(self._app)
                self._stack.enter_context(self._portal.wrap_async_context_manager(context))
        return self._portal

    def run(self, func: Callable[[], Awaitable[T]]) -> T:
        """Run ``await func()`` on the app's loop and return its result."""
        return self._started().call(func)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """An httpx handler: usable as ``httpx.MockTransport(bridge)`` or a respx side effect."""
        body = request.read()
        return self._started().call(
            self._send, request.method, str(request.url), list(request.headers.multi_items()), body
        )

    async def _send(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> httpx.Response:
        transport = httpx.ASGITransport(app=self._app)
        request = httpx.Request(method, url, headers=headers, content=body)
        response = await transport.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    def close(self) -> None:
        self._stack.close()
        self._portal = None

    def __enter__(self) -> AsgiBridge:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
