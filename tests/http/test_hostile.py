"""Hostile input: no request can cause a 5xx, corrupt what is stored, or go unbounded.

Text that is not Unicode, strings and numbers past every limit, wrong methods, a bug's answer:
each gets a documented code (naming the field where there is one), and a request that fails
stores nothing. Memory, threads and connection hygiene: test_hostile_limits.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, MutableMapping
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mock_server import ManualClock, Settings, create_app
from mock_server.http.envelope import success
from mock_server.responders import RESPONDERS
from tests.conftest import ok

pytestmark = pytest.mark.anyio
T2V = "/v1/videos/text2video"
NOT_UNICODE = "contains a lone surrogate (not valid Unicode)"
MAX = "must be at most 10000 characters"
TOO_MANY = "too many fields the schema does not declare"


def error(response: httpx.Response, code: int = 1201, status: int = 400) -> str:
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), response.text
    assert set(body) == {"code", "message", "request_id"} and "Traceback" not in response.text
    return str(body["message"])


async def post_raw(client: httpx.AsyncClient, path: str, text: str) -> httpx.Response:
    """``text`` is JSON as a client wrote it, escapes such as \\ud800 included."""
    headers = {"content-type": "application/json"}
    return await client.post(path, content=text.encode(), headers=headers)


async def assert_nothing_stored(client: httpx.AsyncClient, external: str = "e-1") -> None:
    assert ok(await client.get(T2V)) == []
    body = (await client.get(f"{T2V}/{external}")).json()  # not found (--errors live)
    assert body["message"] == f"Task not found by id/external id: {external}"
    ok(await client.post(T2V, json={"prompt": "after", "external_task_id": external}))
    assert [t["task_info"] for t in ok(await client.get(T2V))] == [{"external_task_id": external}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"prompt": "p", "external_task_id": "x\\ud800"}', f"external_task_id: {NOT_UNICODE}"),
        ('{"prompt": "p\\udfff"}', f"prompt: {NOT_UNICODE}"),
        (
            '{"prompt": "p", "multi_prompt": [{"prompt": "\\udc00", "duration": "5"}]}',
            f"multi_prompt[0].prompt: {NOT_UNICODE}",
        ),
        ('{"prompt": "p", "extra": {"deep": ["ok", "\\ud83d"]}}', f"extra.deep[1]: {NOT_UNICODE}"),
        ('{"prompt": "p", "x\\ud800": 1}', f"x\\ud800: the field name {NOT_UNICODE}"),
    ],
)
async def test_lone_surrogate_anywhere_in_the_body_returns_1201_and_stores_nothing(
    client: httpx.AsyncClient, text: str, message: str
) -> None:
    assert error(await post_raw(client, T2V, text)) == message
    await assert_nothing_stored(client)


async def test_lone_surrogate_in_a_path_parameter_returns_1201(
    app: Starlette, auth: dict[str, str]
) -> None:
    """No HTTP server decodes a path into a surrogate, but an ASGI caller can pass one."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "server": ("kling.test", 80),
        "path": f"{T2V}/x\ud800",
        "query_string": b"",
        "headers": [(b"authorization", auth["Authorization"].encode())],
    }
    await app(scope, receive, send)
    body = json.loads(bytes(sent[1]["body"]))
    assert (sent[0]["status"], body["code"], body["message"]) == (400, 1201, f"id: {NOT_UNICODE}")


def test_the_renderer_sends_what_cannot_be_encoded_rather_than_failing() -> None:
    stored = {"a\ud800": ["x\udc00y", float("nan"), float("inf")]}
    body = json.loads(bytes(success(stored, "r").body))
    assert body["data"] == {"a\ufffd": ["x\ufffdy", None, None]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"external_task_id": "e" * 257}, "external_task_id: must be at most 256 characters"),
        ({"prompt": "p" * 2501}, "prompt: must be at most 2500 characters"),
        ({"extra": "x" * 10_001}, f"extra: {MAX}"),
        ({"extra": {"list": ["ok", "x" * 10_001]}}, f"extra.list[1]: {MAX}"),
        ({"callback_url": "https://e.com/" + "x" * 10_000}, f"callback_url: {MAX}"),
        (dict.fromkeys((f"x{i}" for i in range(101)), 1), TOO_MANY),
        ({"extra": list(range(101))}, TOO_MANY),
    ],
)
async def test_strings_and_unknown_fields_past_their_cap_return_1201(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    assert message in error(await client.post(T2V, json={"prompt": "p", **body}))
    await assert_nothing_stored(client)


async def test_caps_at_their_limit_are_accepted_and_echoed(client: httpx.AsyncClient) -> None:
    body: dict[str, Any] = {"prompt": "p", "external_task_id": "e" * 256, "extra": "x" * 10_000}
    body |= {f"k{i}": i for i in range(99)}
    assert ok(await client.post(T2V, json=body))["task_info"] == {"external_task_id": "e" * 256}


async def test_image_url_past_the_string_cap_returns_1201(client: httpx.AsyncClient) -> None:
    body = {"prompt": "p", "image": "https://e.com/" + "x" * 10_000}
    assert error(await client.post("/v1/videos/image2video", json=body)) == f"image: {MAX}"


async def test_max_string_chars_setting_moves_the_generic_cap(
    clock: ManualClock, auth: dict[str, str], make_client: Callable[..., httpx.AsyncClient]
) -> None:
    async with make_client(create_app(Settings(max_string_chars=300), clock=clock), auth) as c:
        response = await c.post(T2V, json={"prompt": "p", "extra": "x" * 301})
        assert error(response) == "extra: must be at most 300 characters"
        ok(await c.post(T2V, json={"prompt": "p", "extra": "x" * 300}))


I2V = "/v1/videos/image2video"
IMAGE = {"image": "https://e.com/i.png"}
GEN = "/v1/images/generations"


@pytest.mark.parametrize(
    ("path", "body", "field", "huge", "ordinary"),
    [
        (GEN, {"prompt": "p"}, "n", "1e400", 10),
        (GEN, {"prompt": "p"}, "n", "-1e400", 0),
        (GEN, {"prompt": "p"}, "n", "99999999999999999999999999999", 10),
        (GEN, {"prompt": "p"}, "n", "9" * 5000, 10),
        (GEN, {"prompt": "p"}, "n", '"' + "9" * 5000 + '"', "10"),  # n may be a string
        (I2V, IMAGE, "cfg_scale", "1e999", 2),
        (I2V, IMAGE, "cfg_scale", '"' + "9" * 5000 + '"', 2),  # lenient conversion
        (T2V, {"prompt": "p"}, "duration", "1e400", 99),
    ],
)
async def test_number_beyond_every_range_gets_the_fields_usual_bound_message(
    client: httpx.AsyncClient,
    path: str,
    body: dict[str, Any],
    field: str,
    huge: str,
    ordinary: int,
) -> None:
    expected = error(await client.post(path, json={**body, field: ordinary}))
    text = json.dumps(body)[:-1] + f', "{field}": {huge}}}'
    assert error(await post_raw(client, path, text)) == expected


@pytest.mark.parametrize(
    ("value", "bound"), [("1e400", "<= 1.79769e+308"), ("-" + "9" * 5000, ">= -1.79769e+308")]
)
async def test_number_beyond_every_range_where_no_bound_applies_is_out_of_range(
    client: httpx.AsyncClient, value: str, bound: str
) -> None:
    response = await post_raw(client, T2V, f'{{"prompt": "p", "extra": {value}}}')
    assert error(response) == f"extra: must be {bound}"
    await assert_nothing_stored(client)


@pytest.mark.parametrize("digits", [40, 5000])
async def test_long_digit_string_in_a_query_is_out_of_range(
    client: httpx.AsyncClient, digits: int
) -> None:
    expected = error(await client.get(T2V, params={"pageNum": "1001"}))
    assert expected == "pageNum: must be <= 1000"
    assert error(await client.get(T2V, params={"pageNum": "9" * digits})) == expected


async def test_query_parameter_past_the_string_cap_returns_1201(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(T2V, params={"pageNum": "1", "note": "x" * 10_001})
    assert error(response) == f"note: {MAX}"


async def test_authorization_header_past_the_string_cap_returns_1201(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(T2V, headers={"Authorization": "Bearer " + "x" * 10_000})
    assert error(response) == f"Authorization: {MAX}"


async def test_body_nested_deeper_than_any_kling_request_returns_1201(
    client: httpx.AsyncClient,
) -> None:
    text = '{"prompt": "p", "extra": ' + "[" * 80 + "]" * 80 + "}"
    assert error(await post_raw(client, T2V, text)).endswith("nested more than 64 levels deep")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"prompt": "p", "extra": [' + b"0," * 100_000 + b"0]}", "more than 100000 JSON values"),
        (b'{"prompt": "' + "é".encode() * 600_000 + b'"}', "bytes of non-ASCII text"),
        (b'{"prompt": "\xed\xa0\x80"}', "not UTF-8"),  # a surrogate encoded as if it were text
    ],
)
async def test_bodies_past_the_parse_budgets_return_1200(
    client: httpx.AsyncClient, raw: bytes, words: str
) -> None:
    response = await client.post(T2V, content=raw, headers={"content-type": "application/json"})
    assert words in error(response, 1200)
    await assert_nothing_stored(client)


async def test_non_ascii_text_reads_as_sent(client: httpx.AsyncClient) -> None:
    text = "a fox 🦊 in snow, 雪の中の狐, ÿ"
    body = json.dumps({"prompt": text, "external_task_id": text}, ensure_ascii=False)
    assert ok(await post_raw(client, T2V, body))["task_info"] == {"external_task_id": text}


async def test_wrong_method_gets_1202_with_every_method_of_the_path(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    paths: dict[str, set[str]] = {}
    for op in app.state.backend.registry:
        paths.setdefault(op.path.replace("{id}", "123"), set()).add(op.method)
    assert paths[T2V] == {"GET", "POST"}
    for path, methods in paths.items():
        for wrong in ("PUT", "DELETE"):
            response = await client.request(wrong, path)
            assert f"{wrong} is not allowed" in error(response, 1202, 404)
            expected = methods | ({"HEAD"} if "GET" in methods else set())
            assert response.headers["allow"] == ", ".join(sorted(expected)), path


async def test_each_5000_has_its_own_request_id_and_leaves_seeded_ids_alone(
    clock: ManualClock,
    auth: dict[str, str],
    make_client: Callable[..., httpx.AsyncClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(ctx: object) -> object:
        raise RuntimeError("secret internals")

    tts = {"text": "hi", "voice_id": "uk_boy1", "voice_language": "en"}
    async with make_client(create_app(Settings(seed=7), clock=clock), auth) as c:
        with monkeypatch.context() as patch:
            patch.setitem(RESPONDERS, "tts", explode)
            answers = [await c.post("/v1/audio/tts", json=tts) for _ in range(2)]
        after = await c.post(T2V, json={"prompt": "p"})
    async with make_client(create_app(Settings(seed=7), clock=clock), auth) as c:
        untouched = await c.post(T2V, json={"prompt": "p"})
    for answer in answers:
        assert "secret internals" not in error(answer, 5000, 500)
    ids = [a.json()["request_id"] for a in answers]
    assert ids[0] != ids[1] and all(uuid.UUID(i).version == 4 for i in ids)
    assert ok(after)["task_id"] == ok(untouched)["task_id"]
    assert after.json()["request_id"] == untouched.json()["request_id"]


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ({"body_timeout": 0}, "body-timeout must be > 0"),
        ({"max_string_chars": 255}, "max-string-chars must be at least 256"),
        ({"max_unknown_fields": -1}, "max-unknown-fields must be >= 0"),
    ],
)
def test_limits_that_would_break_the_fake_are_refused_at_start(
    bad: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        Settings(**bad).check()
