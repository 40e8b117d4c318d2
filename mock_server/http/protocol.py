"""uvicorn's HTTP protocol with a header-read timeout, which uvicorn itself lacks.

A client that opens a connection and sends its request headers slowly (or never finishes
them) holds the connection forever otherwise: uvicorn's keep-alive timeout is cancelled by any
byte that arrives. Here every connection must deliver a whole request head within
``header_timeout`` seconds of opening, or of the previous response; else it is closed with one
info line in the log.

Both of uvicorn's parsers get the timer: httptools (C) when it is installed, as
``uvicorn[standard]`` does where wheels exist, else h11 (pure Python). httptools costs a third
less server CPU on a small request (GET by id: 163 against 242 us, BENCHMARKS.md). Each says
in its own way that a head has arrived: h11 in ``handle_events`` once a cycle is open,
httptools in ``on_headers_complete``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("kling_mock")
HAS_HTTPTOOLS = importlib.util.find_spec("httptools") is not None


def with_header_timeout(seconds: float, *, http: str | None = None) -> type[asyncio.Protocol]:
    """The protocol class for uvicorn's ``http=``: ``http`` is "httptools" or "h11" (default:
    httptools if installed)."""
    base: Any = H11Protocol
    if http == "httptools" or (http is None and HAS_HTTPTOOLS):
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        base = HttpToolsProtocol

    class HeaderTimeoutProtocol(base):  # type: ignore[misc]  # base is chosen at run time
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def handle_events(self) -> None:  # h11 only
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete:
                self._disarm()  # a whole request head has arrived

        def on_headers_complete(self) -> None:  # httptools only
            super().on_headers_complete()
            self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(seconds, self._expired)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expired(self) -> None:
            if self.cycle is None or self.cycle.response_complete:
                log.info(
                    "closing a connection from %s: no request head within %ss", self.client, seconds
                )
                self.transport.close()

    return HeaderTimeoutProtocol
