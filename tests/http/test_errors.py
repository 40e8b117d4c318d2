"""Bad input of every kind gets a Kling envelope with a documented code: never a 500 or a
traceback, and the body-size cap holds before a body is read whole."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from starlette.requests import Request

from mock_server import ManualClock, Settings, create_app
from mock_server.errors import KlingError
from mock_server.http.error_handlers import kling_error
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


def _png_header(width: int, height: int) -> str:
    """Just a PNG signature and IHDR: enough for Pillow to read the size, nothing to decode."""
    import base64
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("path", "field", "image", "words"),
    [
        ("/v1/videos/image2video", "image", "A" * 14_000_004, "at most 10 MB"),
        ("/v1/videos/motion-control", "image_url", _png_header(70_000, 400), "at most 65536 px"),
        ("/v1/videos/motion-control", "image_url", _png_header(60_000, 60_000), "too large"),
        ("/v1/videos/image2video", "image", _png_header(50_000, 50_000), "too large"),
        ("/v1/videos/image2video", "image", _png_header(3_000, 1_000), "aspect ratio"),
    ],
)
async def test_image_limits_are_checked_from_the_header(
    client: httpx.AsyncClient, path: str, field: str, image: str, words: str
) -> None:
    bodies = {
        "/v1/videos/image2video": {"prompt": "p", "image": image},
        "/v1/videos/motion-control": {
            "image_url": image,
            "video_url": "https://e.com/v.mp4",
            "character_orientation": "image",
            "mode": "std",
        },
    }
    response = await client.post(path, json=bodies[path])
    message = envelope(response, 400, 1201)
    assert message.startswith(f"{field}:") and words in message, message


async def test_large_but_valid_header_is_accepted(client: httpx.AsyncClient) -> None:
    """96 Mpx is past Pillow's warning threshold; our rules, not Pillow's, decide."""
    response = await client.post(
        "/v1/videos/image2video", json={"prompt": "p", "image": _png_header(12_000, 8_000)}
    )
    assert response.json()["code"] == 0, response.text


async def test_the_kling_error_handler_lets_go_of_the_traceback() -> None:
    """Starlette before 1.10 keeps a handled exception's traceback (and the frames that read a
    body of megabytes) until the answer is sent; the handler drops it as it answers."""
    app = create_app(Settings())
    try:
        raise KlingError(1201, "bad")
    except KlingError as caught:
        exc = caught
    assert exc.__traceback__ is not None
    request = Request({"type": "http", "app": app, "headers": [], "method": "POST", "path": "/"})
    response = await kling_error(request, exc)
    assert response.status_code == 400 and exc.__traceback__ is None
