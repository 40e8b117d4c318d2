"""uvicorn's HTTP protocol with a header-read timeout, which uvicorn itself lacks.

A client that opens a connection and sends its request headers slowly (or never finishes
them) holds the connection forever otherwise: uvicorn's keep-alive timeout is cancelled by any
byte that arrives. Here every connection must deliver a whole request head within
``header_timeout`` seconds of opening, or of the previous response; else it is closed with one
info line in the log.

Writes are coalesced (``CoalescingTransport``): uvicorn writes a response's head and its body
with one system call each; here the writes of one event-loop turn go out together, so a small
response is one ``send`` and the client is woken once, not twice. On loopback that halved the
kernel's share of a GET by id (BENCHMARKS.md).

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


COALESCE_MAX = 64 * 1024  # a bigger write (media) goes out at once, with what waits before it


class CoalescingTransport:
    """A transport that holds the writes of one loop turn and sends them as one. Everything
    but writing and closing is the real transport's (``__getattr__``)."""

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._size = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def write(self, data: bytes) -> None:
        if not self._held:
            self._loop.call_soon(self._flush)
        self._held.append(bytes(data))
        self._size += len(data)
        if self._size >= COALESCE_MAX:
            self._flush()

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def _flush(self) -> None:
        if self._held:
            data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
            self._held, self._size = [], 0
            if not self._transport.is_closing():
                self._transport.write(data)

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._held, self._size = [], 0
        self._transport.abort()


def with_header_timeout(seconds: float, *, http: str | None = None) -> type[asyncio.Protocol]:
    """The protocol class for uvicorn's ``http=``: ``http`` is "httptools" or "h11" (default:
    httptools if installed)."""
    base: Any = H11Protocol
    if http == "httptools" or (http is None and HAS_HTTPTOOLS):
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        base = HttpToolsProtocol

    class HeaderTimeoutProtocol(base):  # type: ignore[misc]  # base is chosen at run time
        """One timer per connection at most: a request only moves ``_deadline``, and the
        timer, when it fires, sleeps on to the deadline in force (no timer made and cancelled
        per request)."""

        _deadline: float | None = None  # when the head being waited for is late; None: none
        _timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(CoalescingTransport(transport, self.loop))
            self._arm()

        def handle_events(self) -> None:  # h11 only
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete:
                self._deadline = None  # a whole request head has arrived

        def on_headers_complete(self) -> None:  # httptools only
            super().on_headers_complete()
            self._deadline = None

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._deadline = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._deadline = self.loop.time() + seconds
            if self._timer is None:
                self._timer = self.loop.call_at(self._deadline, self._check)

        def _check(self) -> None:
            self._timer = None
            if self._deadline is None:
                return
            if self.loop.time() < self._deadline:
                self._timer = self.loop.call_at(self._deadline, self._check)
            elif self.cycle is None or self.cycle.response_complete:
                log.info(
                    "closing a connection from %s: no request head within %ss", self.client, seconds
                )
                self.transport.close()

    return HeaderTimeoutProtocol
