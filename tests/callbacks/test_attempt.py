"""How a failed attempt reads in the journal and the log: the real cause, no secrets."""

from __future__ import annotations

import socket

import httpx
import pytest

from mock_server.callbacks.attempt import decode, describe, loggable


def chained(outer: Exception, inner: BaseException) -> Exception:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer from exc
    except Exception as caught:
        return caught


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (
            chained(
                httpx.ConnectError("All connection attempts failed"),
                ConnectionRefusedError(111, "Connect call failed"),
            ),
            "connection refused: [Errno 111] Connect call failed",
        ),
        (
            chained(httpx.ConnectError("failed"), socket.gaierror(-2, "Name or service not known")),
            "name resolution failed: [Errno -2] Name or service not known",
        ),
        (
            httpx.ConnectError("All connection attempts failed"),
            "connection failed: All connection attempts failed",
        ),
        (httpx.ReadTimeout("timed out"), "timeout: timed out"),
        (httpx.RemoteProtocolError("illegal status line"), "protocol error: illegal status line"),
        (
            httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'."),
            "network error: Request URL has an unsupported protocol 'ftp://'.",
        ),
        (RuntimeError("receiver bug"), "error: receiver bug"),
        (RuntimeError(), "error: RuntimeError"),
    ],
)
def test_describe_names_the_kind_and_the_innermost_message(exc: Exception, text: str) -> None:
    assert describe(exc) == text


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@hooks.test:8443/kling?token=s3cret#x", "https://hooks.test:8443/kling"),
        ("http://hooks.test/cb", "http://hooks.test/cb"),
        ("http://hooks.test:99999/cb", "<unparsable url>"),
    ],
)
def test_logged_urls_leave_out_credentials_and_query(url: str, shown: str) -> None:
    assert loggable(url) == shown


def test_a_body_that_is_not_json_is_journaled_as_text() -> None:
    assert decode(b'{"a":1}') == {"a": 1}
    assert decode(b"not json \xff") == "not json \ufffd"
