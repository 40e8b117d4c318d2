"""Writes of one loop turn go out as one (``http/protocol.py``): a response's head and body in
one ``send``; closing flushes first; big writes are not held."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mock_server.http.protocol import COALESCE_MAX, CoalescingTransport


class Recorder:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else default


@pytest.mark.anyio
async def test_one_turn_is_one_write_and_other_calls_reach_the_transport() -> None:
    inner = Recorder()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(bytearray(b'{"code":0}'))
    assert inner.writes == []
    await asyncio.sleep(0)
    assert inner.writes == [b'HTTP/1.1 200 OK\r\n\r\n{"code":0}']
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1)
    transport.writelines([b"a", b"b"])
    await asyncio.sleep(0)
    assert inner.writes[-1] == b"ab"


@pytest.mark.anyio
async def test_close_flushes_and_abort_drops() -> None:
    inner = Recorder()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"head")
    transport.close()
    assert inner.writes == [b"head"] and inner.closed
    await asyncio.sleep(0)
    assert inner.writes == [b"head"]  # the scheduled flush finds nothing left

    inner = Recorder()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"head")
    transport.abort()
    await asyncio.sleep(0)
    assert inner.writes == [] and inner.aborted


@pytest.mark.anyio
async def test_a_big_write_goes_out_at_once_with_what_waited() -> None:
    inner = Recorder()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"head")
    transport.write(b"x" * COALESCE_MAX)
    assert inner.writes == [b"head" + b"x" * COALESCE_MAX]


@pytest.mark.anyio
async def test_nothing_is_written_to_a_closing_transport() -> None:
    inner = Recorder()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"late")
    inner.closed = True
    await asyncio.sleep(0)
    assert inner.writes == []
