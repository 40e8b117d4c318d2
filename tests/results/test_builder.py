"""Every result kind downloads from the fake: files of the right type, shape and length.

Lengths are measured by mutagen (``tests/results/lengths.py``), never by the fake's own code.
"""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from contract_tests.payloads import result_urls
from mock_server import ManualClock, Settings, create_app
from mock_server.examples import first_valid
from mock_server.results.urls import image_size
from tests.conftest import BASE_URL, ok
from tests.results.lengths import MAGIC, TOLERANCE, length
from tests.tasks.test_lifecycle import task_endpoints


@pytest.fixture
def settings() -> Settings:
    """These tests are about results: the fixtures' made-up ids (video_id, session_id, ...) are
    not looked up (references: tests/validation/test_references.py)."""
    return Settings(check_references=False)


pytestmark = pytest.mark.anyio
TIMED_RESULTS = {"videos", "edited_videos", "audios", "video_audio"}


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


def timed(value: Any) -> list[tuple[str, str]]:
    """(url, reported duration) pairs anywhere in a task: videos, audios, parent videos."""
    pairs: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for url_key, duration_key in [
            ("url", "duration"),
            ("watermark_url", "duration"),
            ("url_mp3", "duration_mp3"),
            ("url_wav", "duration_wav"),
        ]:
            if url_key in value and duration_key in value:
                pairs.append((value[url_key], value[duration_key]))
        for item in value.values():
            pairs.extend(timed(item))
    elif isinstance(value, list):
        for item in value:
            pairs.extend(timed(item))
    return pairs


async def assert_as_long_as_reported(client: httpx.AsyncClient, url: str, duration: str) -> None:
    response = await client.get(url)
    assert response.status_code == 200, url
    seconds = length(response.content, response.headers["content-type"])
    assert abs(seconds - float(duration)) < TOLERANCE, (url, seconds, duration)


def timed_endpoints() -> list[str]:
    app = create_app(Settings(clock="manual"))
    endpoints = app.state.backend.registry.endpoints.values()
    return [
        e.id
        for e in endpoints
        if e.kind == "task" and e.result in TIMED_RESULTS and e.queried_per_endpoint
    ]


@pytest.mark.parametrize("endpoint", timed_endpoints())
async def test_downloads_are_as_long_as_the_task_reports(
    client: httpx.AsyncClient, clock: ManualClock, backend: Any, endpoint: str
) -> None:
    ep = backend.registry.endpoints[endpoint]
    for prefix in ("minimal", "maximal"):
        task = await finished(client, clock, ep.path, first_valid(endpoint, prefix))
        pairs = timed([task["task_result"], task["task_info"]])
        assert pairs, task
        for url, duration in pairs:
            await assert_as_long_as_reported(client, url, duration)


@pytest.mark.parametrize("duration", [str(d) for d in range(3, 16)])
async def test_every_legacy_duration_downloads_at_its_length(
    client: httpx.AsyncClient, clock: ManualClock, duration: str
) -> None:
    body = {"prompt": "p", "model_name": "kling-v3", "duration": duration}
    task = await finished(client, clock, "/v1/videos/text2video", body)
    video = task["task_result"]["videos"][0]
    assert video["duration"] == f"{int(duration)}.1"
    await assert_as_long_as_reported(client, video["url"], video["duration"])


@pytest.mark.parametrize("text", ["hi", "a" * 40, "a" * 333])
async def test_tts_audio_is_as_long_as_reported(client: httpx.AsyncClient, text: str) -> None:
    body = {**first_valid("tts"), "text": text, "voice_speed": 1.0}
    audio = ok(await client.post("/v1/audio/tts", json=body))["task_result"]["audios"][0]
    await assert_as_long_as_reported(client, audio["url"], audio["duration"])


async def test_multi_elements_videos_are_as_long_as_the_session(
    client: httpx.AsyncClient,
) -> None:
    body = first_valid("multi-elements-init-selection")
    data = ok(await client.post("/v1/videos/multi-elements/init-selection", json=body))
    seconds = str(data["original_duration"] / 1000)
    await assert_as_long_as_reported(client, data["normalized_video"], seconds)


async def test_base64_inputs_come_back_as_issued_images_of_their_size(
    client: httpx.AsyncClient,
) -> None:
    body = first_valid("custom-elements", "maximal")
    element = ok(await client.post("/v1/general/custom-elements", json=body))
    url = element["element_frontal_image"]
    assert url.startswith(BASE_URL + "/media/images/1024x576/")
    with Image.open(io.BytesIO((await client.get(url)).content)) as img:
        assert img.size == (1024, 576)
