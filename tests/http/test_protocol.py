"""http/protocol.py: both of uvicorn's parsers close a connection whose request head never ends."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from starlette.applications import Starlette

from mock_server.http.protocol import with_header_timeout


@contextmanager
def serving(http: str) -> Iterator[int]:
    config = uvicorn.Config(
        Starlette(), port=0, log_level="critical", http=with_header_timeout(0.3, http=http)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.mark.parametrize("http", ["h11", "httptools"])
def test_a_request_head_that_never_ends_is_closed(http: str) -> None:
    with serving(http) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # one whole request: answered
        assert s.recv(1024).startswith(b"HTTP/1.1 404")
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # the next head never ends
        assert s.recv(1024) == b""  # closed by the timer, well within the 10 s timeout


@pytest.mark.parametrize("http", ["h11", "httptools"])
def test_a_busy_connection_outlives_its_first_deadline(http: str) -> None:
    """The one timer, when it fires, sleeps on to the deadline the latest response set."""
    with serving(http) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        for _ in range(8):  # 8 x 0.1 s: well past the first 0.3 s deadline
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert s.recv(1024).startswith(b"HTTP/1.1 404")
            time.sleep(0.1)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # then a head that never ends
        assert s.recv(1024) == b""
