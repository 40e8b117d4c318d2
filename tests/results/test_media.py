"""Result URLs point at the fake and download real files of the right type and shape."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from contract_tests.payloads import result_urls
from mock_server import ManualClock, Settings, create_app
from mock_server.examples import first_valid
from mock_server.results.media import image_size
from tests.conftest import BASE_URL, ok
from tests.tasks.test_lifecycle import task_endpoints

pytestmark = pytest.mark.anyio
MAGIC = {
    "video/mp4": (4, b"ftyp"),
    "image/png": (0, b"\x89PNG"),
    "image/jpeg": (0, b"\xff\xd8"),
    "audio/mpeg": (0, b"ID3"),
    "audio/wav": (0, b"RIFF"),
}


async def finished(
    client: httpx.AsyncClient, clock: ManualClock, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    created = ok(await client.post(path, json=body))
    clock.advance(60)
    return ok(await client.get(f"{path}/{created['task_id']}"))  # type: ignore[no-any-return]


@pytest.mark.parametrize("endpoint", task_endpoints())
async def test_every_result_url_downloads(
    client: httpx.AsyncClient, clock: ManualClock, backend: Any, endpoint: str
) -> None:
    ep = backend.registry.endpoints[endpoint]
    body = first_valid(endpoint, "maximal")
    task = await finished(client, clock, ep.path, body)
    echoed = set(result_urls(body))  # element results echo the client's own reference URLs
    found = [
        u
        for u in [*result_urls(task["task_result"]), *result_urls(task["task_info"])]
        if u not in echoed
    ]
    assert found, task
    for url in found:
        assert url.startswith(BASE_URL + "/media/")
        response = await client.get(url)
        assert response.status_code == 200, url
        offset, magic = MAGIC[response.headers["content-type"]]
        assert response.content[offset : offset + len(magic)] == magic, url


@pytest.mark.parametrize(
    ("aspect", "resolution"), [("16:9", "1k"), ("9:16", "2k"), ("1:1", "1k"), ("21:9", "1k")]
)
async def test_images_have_the_requested_shape(
    client: httpx.AsyncClient, clock: ManualClock, aspect: str, resolution: str
) -> None:
    task = await finished(
        client,
        clock,
        "/v1/images/generations",
        {"prompt": "p", "aspect_ratio": aspect, "resolution": resolution, "n": 2},
    )
    images = task["task_result"]["images"]
    assert [i["index"] for i in images] == [0, 1]
    with Image.open(io.BytesIO((await client.get(images[0]["url"])).content)) as img:
        assert img.size == image_size(aspect, resolution)
        w, h = (int(x) for x in aspect.split(":"))
        assert abs(img.size[0] / img.size[1] - w / h) < 0.02


async def test_watermark_url_only_when_asked(client: httpx.AsyncClient, clock: ManualClock) -> None:
    plain = await finished(client, clock, "/v1/videos/text2video", {"prompt": "p"})
    marked = await finished(
        client, clock, "/v1/videos/text2video", {"prompt": "p", "watermark_info": {"enabled": True}}
    )
    assert "watermark_url" not in plain["task_result"]["videos"][0]
    assert plain["watermark_info"] == {"enabled": False}
    assert marked["task_result"]["videos"][0]["watermark_url"].endswith(".mp4")
    assert marked["watermark_info"] == {"enabled": True}


async def test_duration_is_a_string_slightly_over_the_request(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    task = await finished(client, clock, "/v1/videos/text2video", {"prompt": "p", "duration": "10"})
    assert task["task_result"]["videos"][0]["duration"] == "10.1"
    assert task["final_unit_deduction"] == "2"


async def test_parent_video_for_extension(client: httpx.AsyncClient, clock: ManualClock) -> None:
    task = await finished(client, clock, "/v1/videos/video-extend", {"video_id": "abc-123"})
    parent = task["task_info"]["parent_video"]
    assert parent["id"] == "abc-123" and parent["duration"] == "5.1"


async def test_urls_use_the_public_base_url_when_set(
    clock: ManualClock, auth: dict[str, str], make_client: Any
) -> None:
    app = create_app(Settings(public_base_url="https://kling.example"), clock=clock)
    async with make_client(app, auth) as c:
        task = await finished(c, clock, "/v1/videos/text2video", {"prompt": "p"})
    assert task["task_result"]["videos"][0]["url"].startswith("https://kling.example/media/")


@pytest.mark.parametrize(
    "path",
    [
        "/media/images/10x10/a.png",
        "/media/images/100x100/a.gif",
        "/media/videos/4x3/a.mp4",
        "/media/audio/a.ogg",
    ],
)
async def test_bad_media_paths_are_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404 and response.json()["code"] == 1203
