"""uvicorn's h11 protocol with a header-read timeout, which uvicorn itself lacks.

A client that opens a connection and sends its request headers slowly (or never finishes
them) holds the connection forever otherwise: uvicorn's keep-alive timeout is cancelled by any
byte that arrives. Here every connection must deliver a whole request head within
``header_timeout`` seconds of opening, or of the previous response; else it is closed with one
info line in the log.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("kling_mock")


def with_header_timeout(seconds: float) -> type[H11Protocol]:
    class HeaderTimeoutProtocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete:
                self._disarm()  # a whole request head has arrived

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
