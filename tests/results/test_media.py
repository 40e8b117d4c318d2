"""``/media`` serves only what the fake issued, with HEAD and single byte ranges, and makes
files off the event loop."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from typing import Any

import anyio
import httpx
import pytest
from PIL import Image

from mock_server import ManualClock
from mock_server.backend import Backend
from mock_server.paths import FIXTURES_DIR
from mock_server.results import synth
from mock_server.results.cache import ByteLRU
from tests.conftest import BASE_URL
from tests.results.lengths import MAGIC
from tests.results.test_builder import finished

pytestmark = pytest.mark.anyio


def media_paths(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.startswith("/media/") else []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [path for item in items for path in media_paths(item)]


async def test_catalogue_media_download(client: httpx.AsyncClient) -> None:
    catalogs = sorted((FIXTURES_DIR / "catalogs").glob("*.json"))
    paths = {p for c in catalogs for p in media_paths(json.loads(c.read_text(encoding="utf-8")))}
    assert len(paths) > 10
    for path in sorted(paths):
        response = await client.get(path)
        assert response.status_code == 200, path
        offset, magic = MAGIC[response.headers["content-type"]]
        assert response.content[offset : offset + len(magic)] == magic, path


@pytest.mark.parametrize(
    "path",
    [
        "/media/images/10x10/a.png",
        "/media/images/100x100/a.gif",
        "/media/videos/4x3/a.mp4",
        "/media/audio/a.ogg",
        "/media/images/1024x1024/never-issued.png",
        "/media/videos/16x9/000000000000000000-0.mp4",
        "/media/audio/preset-uk_boy1.wav",  # issued as .mp3 only
        "/media/%2e%2e/%2e%2e/etc/passwd",
    ],
)
async def test_media_the_fake_did_not_issue_are_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    body = response.json()
    assert response.status_code == 404 and body["code"] == 1203
    assert "does not exist" in body["message"] and "data" not in body


async def test_bare_media_folder_is_404(client: httpx.AsyncClient) -> None:
    # "/media/" is served as "/media" (http/slashes.py), which is no route: 1202, no redirect
    response = await client.get("/media/")
    assert response.status_code == 404 and response.json()["code"] == 1202


async def test_media_of_a_reset_backend_are_404(
    client: httpx.AsyncClient, clock: ManualClock, backend: Backend
) -> None:
    task = await finished(client, clock, "/v1/videos/text2video", {"prompt": "p"})
    url = task["task_result"]["videos"][0]["url"]
    assert (await client.get(url)).status_code == 200
    backend.reset()
    response = await client.get(url)
    assert response.status_code == 404 and response.json()["code"] == 1203
    assert (await client.get("/media/audio/preset-uk_boy1.mp3")).status_code == 200  # catalogue


# -- HEAD and Range ---------------------------------------------------------------------------


@pytest.fixture
async def wav(client: httpx.AsyncClient, backend: Backend) -> tuple[str, bytes]:
    url = backend.media_urls(BASE_URL).audio("range-probe", "wav", seconds=1.0)
    response = await client.get(url)
    assert response.status_code == 200 and response.headers["accept-ranges"] == "bytes"
    return url, response.content


async def test_head_sends_the_headers_and_no_body(
    client: httpx.AsyncClient, wav: tuple[str, bytes]
) -> None:
    url, full = wav
    response = await client.head(url)
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-length"] == str(len(full))
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=100-", 100, -1),
        ("bytes=-20", -20, -1),
        ("bytes=30-99999999", 30, -1),  # the end is clipped to the file
        ("bytes=-99999999", 0, -1),  # a suffix longer than the file is the whole file
        (" bytes=5-5 ", 5, 5),
    ],
)
async def test_one_range_gets_206_and_the_slice(
    client: httpx.AsyncClient, wav: tuple[str, bytes], header: str, first: int, last: int
) -> None:
    url, full = wav
    start, stop = first % len(full), last % len(full)
    response = await client.get(url, headers={"Range": header})
    assert response.status_code == 206
    assert response.content == full[start : stop + 1]
    assert response.headers["content-range"] == f"bytes {start}-{stop}/{len(full)}"
    assert response.headers["content-length"] == str(stop - start + 1)
    assert response.headers["content-type"] == "audio/wav"


@pytest.mark.parametrize("header", ["bytes={size}-", "bytes={size}-{size}", "bytes=-0"])
async def test_an_unsatisfiable_range_gets_416(
    client: httpx.AsyncClient, wav: tuple[str, bytes], header: str
) -> None:
    url, full = wav
    response = await client.get(url, headers={"Range": header.format(size=len(full))})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(full)}"


@pytest.mark.parametrize(
    "header", ["bytes=0-1,4-5", "bytes=9-2", "bytes=a-b", "items=0-5", "bytes=-", "bytes 0-5"]
)
async def test_malformed_and_multiple_ranges_are_ignored(
    client: httpx.AsyncClient, wav: tuple[str, bytes], header: str
) -> None:
    url, full = wav
    response = await client.get(url, headers={"Range": header})
    assert response.status_code == 200 and response.content == full


async def test_head_ignores_range(client: httpx.AsyncClient, wav: tuple[str, bytes]) -> None:
    url, full = wav
    response = await client.head(url, headers={"Range": "bytes=0-9"})
    assert response.status_code == 200 and response.headers["content-length"] == str(len(full))


# -- the event loop stays free ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "issue"),
    [
        ("image", lambda urls, name: urls.image_px(name, 640, 480)),
        ("video", lambda urls, name: urls.video(name, "1:1", seconds=7.3)),
        ("audio", lambda urls, name: urls.audio(name, "wav", seconds=2.2)),
    ],
)
async def test_files_are_made_off_the_event_loop(
    client: httpx.AsyncClient,
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    issue: Any,
) -> None:
    monkeypatch.setattr(synth, "CACHE", ByteLRU(1 << 24))
    render, threads = synth.RENDERERS[kind], []

    def recording(media: Any) -> bytes:
        threads.append(threading.get_ident())
        return render(media)

    monkeypatch.setitem(synth.RENDERERS, kind, recording)
    url = issue(backend.media_urls(BASE_URL), f"thread-{kind}")
    assert (await client.get(url)).status_code == 200
    assert (await client.get(url)).status_code == 200  # the second one comes from the cache
    assert len(threads) == 1 and threads[0] != threading.get_ident()


async def test_a_huge_image_does_not_stall_the_loop(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    """A probe ticks every 10 ms while an 8192x8190 image is made. The bound is generous: the
    thread test above is the exact check; this one catches anything else that blocks long."""
    url = backend.media_urls(BASE_URL).image_px(f"lag-{uuid.uuid4().hex}", 8192, 8190)
    gaps: list[float] = []
    ticking, done = anyio.Event(), anyio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await anyio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
            ticking.set()

    async with anyio.create_task_group() as group:
        group.start_soon(tick)
        await ticking.wait()
        response = await client.get(url)
        done.set()
    assert response.status_code == 200
    with Image.open(io.BytesIO(response.content)) as img:
        assert img.size == (8192, 8190)
    assert max(gaps) < 0.5, max(gaps)
