"""Bad input of every kind gets a Kling envelope with a documented code: never a 500 or a
traceback, and the body-size cap holds before a body is read whole."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from mock_server import ManualClock, Settings, create_app
from mock_server.responders import RESPONDERS

pytestmark = pytest.mark.anyio
T2V = "/v1/videos/text2video"


def envelope(response: httpx.Response, status: int, code: int) -> str:
    body = response.json()
    assert response.status_code == status, response.text
    assert body["code"] == code and set(body) == {"code", "message", "request_id"}
    assert "Traceback" not in response.text
    return str(body["message"])


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'"text"', "JSON object"),
        (b'{"prompt": NaN}', "not valid JSON"),
        (b'{"cfg_scale": 1e999}', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
)
async def test_body_that_is_not_a_json_object_returns_1200(
    client: httpx.AsyncClient, content: bytes, words: str
) -> None:
    response = await client.post(T2V, content=content, headers={"Content-Type": "application/json"})
    assert words in envelope(response, 400, 1200)


async def test_declared_oversize_body_is_refused_unread(
    clock: ManualClock, auth: dict[str, str], make_client: Callable[..., httpx.AsyncClient]
) -> None:
    app = create_app(Settings(max_body_bytes=2048), clock=clock)
    async with make_client(app, auth) as c:
        response = await c.post(T2V, content=b"{" + b" " * 4096 + b"}")
        assert "larger than 2048" in envelope(response, 400, 1200)


async def test_streamed_oversize_body_is_refused(
    clock: ManualClock, auth: dict[str, str], make_client: Callable[..., httpx.AsyncClient]
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(100):
            sent += 1
            yield b" " * 1024

    app = create_app(Settings(max_body_bytes=4096), clock=clock)
    async with make_client(app, auth) as c:
        response = await c.post(T2V, content=chunks())
        assert "larger than 4096" in envelope(response, 400, 1200)


async def test_unknown_path_returns_404_envelope(client: httpx.AsyncClient) -> None:
    assert "/v1/nothing" in envelope(await client.get("/v1/nothing"), 404, 1202)


async def test_wrong_method_returns_1202_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.put(T2V, json={})
    assert "PUT" in envelope(response, 404, 1202)
    assert "POST" in response.headers["allow"]


async def test_unexpected_error_becomes_5000_without_traceback(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(ctx: object) -> object:
        raise RuntimeError("secret internals")

    monkeypatch.setitem(RESPONDERS, "tts", explode)
    response = await client.post(
        "/v1/audio/tts", json={"text": "hi", "voice_id": "uk_boy1", "voice_language": "en"}
    )
    assert "secret internals" not in envelope(response, 500, 5000)


async def test_image_checks_use_the_decoded_image(client: httpx.AsyncClient) -> None:
    import base64
    import io

    from PIL import Image

    def b64(size: tuple[int, int], fmt: str = "PNG") -> str:
        buf = io.BytesIO()
        Image.new("RGB", size).save(buf, fmt)
        return base64.b64encode(buf.getvalue()).decode()

    cases = [
        (b64((299, 400)), "at least 300 px"),
        (b64((1000, 300)), "aspect ratio"),
        (b64((400, 400), "GIF"), "format gif"),
        ("aGVsbG8gd29ybGQ=", "not a readable image"),
        ("not base64!", "valid base64"),
    ]
    for image, words in cases:
        response = await client.post("/v1/videos/image2video", json={"prompt": "p", "image": image})
        message = envelope(response, 400, 1201)
        assert words in message, message
    ok = await client.post("/v1/videos/image2video", json={"prompt": "p", "image": b64((300, 750))})
    assert ok.json()["code"] == 0
