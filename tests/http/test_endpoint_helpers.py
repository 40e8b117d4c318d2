"""The endpoints' cheap stand-ins give what they stand in for: the memoized base URL is
Starlette's ``request.base_url`` for every scope, and the body digest ignores key order."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from mock_server.http import endpoints
from mock_server.http.endpoints import _base_url, _body_digest


def _scope(**over: Any) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/videos/text2video",
        "query_string": b"a=1",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "server": ("127.0.0.1", 8000),
    }
    scope.update(over)
    return scope


SCOPES = [
    _scope(),
    _scope(headers=[(b"host", b"example.test")]),
    _scope(headers=[(b"host", b"example.test:8443")], scheme="https"),
    _scope(headers=[]),
    _scope(headers=[], server=("::1", 9000)),
    _scope(headers=[], server=("10.0.0.1", 80)),
    _scope(root_path="/kling"),
    _scope(root_path="/kling", app_root_path="/outer"),
    _scope(headers=[(b"host", b"bad host:x")]),
    _scope(headers=[(b"x-other", b"1"), (b"host", b"second.test")]),
    _scope(headers=[], server=["testserver", 80]),  # a list, as Starlette's TestClient sends
    _scope(headers=[], server=None),
]


@pytest.mark.parametrize("scope", SCOPES)
def test_base_url_is_starlettes(scope: dict[str, Any]) -> None:
    endpoints._BASE_URLS.clear()
    for _ in range(2):  # worked out, then remembered
        assert _base_url(Request(scope)) == str(Request(scope).base_url)


def test_each_host_gets_its_own_base_url_and_the_memo_is_bounded() -> None:
    endpoints._BASE_URLS.clear()
    hosts = [[(b"host", f"h{i}.test".encode())] for i in range(600)]
    seen = {_base_url(Request(_scope(headers=headers))) for headers in hosts}
    assert len(seen) == 600
    assert 0 < len(endpoints._BASE_URLS) <= 256


def test_body_digest_ignores_key_order_and_takes_anything() -> None:
    one = _body_digest({"prompt": "a fox", "duration": "5", "nested": {"b": 1, "a": 2}})
    two = _body_digest({"nested": {"a": 2, "b": 1}, "duration": "5", "prompt": "a fox"})
    assert one == two and one is not None and len(one) == 16
    assert _body_digest({"prompt": "a fox", "duration": "10"}) != one
    assert _body_digest({"prompt": "\ud800"}) != _body_digest({"prompt": "\ud801"})
    assert _body_digest({"n": 10**30}) != _body_digest({"n": 10**30 + 1})
