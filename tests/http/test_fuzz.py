"""Whatever arrives, the answer is a Kling envelope with a documented code, never a 5xx.

A short profile runs in `make test`; raise KLING_FUZZ_EXAMPLES for a longer run.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.errors import error_table

EXAMPLES = int(os.environ.get("KLING_FUZZ_EXAMPLES", "150"))
CLOCK = ManualClock()
APP = create_app(Settings(max_body_bytes=64 * 1024), clock=CLOCK)
AUTH = {
    "Authorization": "Bearer "
    + mint_token("mock-access-key", "mock-secret-key", CLOCK.now_ms() / 1000)
}
ROUTES = sorted({(op.method, op.path.replace("{id}", "123")) for op in APP.state.backend.registry})
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=20,
)


def send(method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=APP)
        async with httpx.AsyncClient(transport=transport, base_url="http://fuzz") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def assert_envelope(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    assert body["code"] == 0 or body["code"] in error_table(), body
    if body["code"]:
        assert response.status_code == error_table()[body["code"]]["http_status"]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(route=st.sampled_from(ROUTES), body=json_values)
def test_any_json_body_gets_an_envelope(route: tuple[str, str], body: Any) -> None:
    method, path = route
    if method == "GET":
        params = body if isinstance(body, dict) else {"pageNum": body}
        safe = {str(k): str(v) for k, v in params.items()}
        assert_envelope(send(method, path, params=safe, headers=AUTH))
    else:
        assert_envelope(send(method, path, json=body, headers=AUTH))


hostile_text = st.text(st.characters() | st.characters(categories=["Cs"]), max_size=20)
hostile_values = st.recursive(
    st.none() | st.integers() | st.floats() | hostile_text | st.sampled_from(["1e400", "9" * 5000]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=6),
    max_leaves=20,
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(route=st.sampled_from([r for r in ROUTES if r[0] == "POST"]), body=hostile_values)
def test_text_that_is_not_unicode_and_huge_numbers_get_an_envelope(
    route: tuple[str, str], body: Any
) -> None:
    """JSON as a client may escape it: lone surrogates, NaN, 1e400, 5000-digit numbers."""
    text = json.dumps({"prompt": "p", "x": body})
    text = text.replace('"1e400"', "1e400").replace(f'"{"9" * 5000}"', "9" * 5000)
    assert_envelope(send(*route, content=text.encode(), headers=AUTH))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    route=st.sampled_from([r for r in ROUTES if r[0] == "POST"]),
    raw=st.binary(max_size=300),
    content_type=st.sampled_from(
        ["application/json", "text/plain", "application/x-www-form-urlencoded", ""]
    ),
)
def test_any_bytes_get_an_envelope(route: tuple[str, str], raw: bytes, content_type: str) -> None:
    assert_envelope(
        send(route[0], route[1], content=raw, headers={**AUTH, "Content-Type": content_type})
    )


@settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    header=st.text(max_size=200),
    path=st.text(alphabet=st.characters(codec="ascii", exclude_characters="?#"), max_size=40),
)
def test_odd_headers_and_paths_get_an_envelope(header: str, path: str) -> None:
    try:
        response = send("GET", "/v1/" + path, headers={"Authorization": header})
    except (httpx.InvalidURL, UnicodeEncodeError, ValueError):
        return  # the client refused to send it; nothing reached the server
    assert_envelope(response)
