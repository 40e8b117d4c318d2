"""Rules on what a referenced object is (x-kling-ref ``made_by``, ``inherit``, ``span``) and
the length of videos made from another (the manifest's ``parent_video.adds_seconds``)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mock_server import ManualClock
from mock_server.backend import Backend
from tests.conftest import ok

pytestmark = pytest.mark.anyio
T2V, I2V, EXTEND = "/v1/videos/text2video", "/v1/videos/image2video", "/v1/videos/video-extend"
LIP_SYNC, FACE = "/v1/videos/advanced-lip-sync", "/v1/videos/identify-face"
IMAGE = "https://e.com/a.png"
EXTENDABLE = (
    "only a video made by text2video, image2video or video-extend with model_name kling-v1, "
    "kling-v1-5 or kling-v1-6 can be used here"
)


async def _result(client: httpx.AsyncClient, clock: ManualClock, path: str, body: Any) -> Any:
    created = ok(await client.post(path, json=body))
    clock.advance(60)
    return ok(await client.get(f"{path}/{created['task_id']}"))


async def _video(client: httpx.AsyncClient, clock: ManualClock, path: str, body: Any) -> Any:
    return (await _result(client, clock, path, body))["task_result"]["videos"][0]


async def _refused(client: httpx.AsyncClient, path: str, body: Any) -> str:
    answer = (await client.post(path, json=body)).json()
    assert answer["code"] == 1201, answer
    return str(answer["message"])


# -- how long a video made from another lasts ----------------------------------------------


@pytest.mark.parametrize(("seconds", "extended"), [("5", "10.1"), ("10", "15.1")])
async def test_an_extension_lasts_its_source_plus_five_seconds(
    client: httpx.AsyncClient, clock: ManualClock, backend: Backend, seconds: str, extended: str
) -> None:
    """api-reference.md 3.7: each extension adds 4-5 s; the fake adds 5."""
    source = await _video(client, clock, T2V, {"prompt": "x", "duration": seconds})
    task = await _result(client, clock, EXTEND, {"video_id": source["id"]})
    video = task["task_result"]["videos"][0]
    assert task["task_info"]["parent_video"]["duration"] == source["duration"]
    assert video["duration"] == extended
    record = backend.store.get_record("video", "mock-access-key", video["id"])
    assert record is not None and record["seconds"] == float(extended)
    again = await _video(client, clock, EXTEND, {"video_id": video["id"]})  # a chain
    assert again["duration"] == f"{float(extended) + 5:.1f}"


async def test_audio_and_lip_sync_results_last_as_long_as_their_source(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    source = await _video(client, clock, T2V, {"prompt": "x", "duration": "10"})
    sound = (await _result(client, clock, "/v1/audio/video-to-audio", {"video_id": source["id"]}))[
        "task_result"
    ]
    assert sound["videos"][0]["duration"] == sound["audios"][0]["duration_mp3"] == "10.1"
    session = ok(await client.post(FACE, json={"video_id": source["id"]}))
    assert session["face_data"][0]["end_time"] == 10_100  # the face is seen throughout
    face = {
        "face_id": "0",
        "sound_file": "https://e.com/a.mp3",
        "sound_start_time": 0,
        "sound_end_time": 3000,
        "sound_insert_time": 6000,  # past 5.1 s: only a 10.1 s video holds it
    }
    body = {"session_id": session["session_id"], "face_choose": [face]}
    task = await _result(client, clock, LIP_SYNC, body)
    assert task["task_info"]["parent_video"]["duration"] == "10.1"
    assert task["task_result"]["videos"][0]["duration"] == "10.1"


# -- made_by and inherit ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "accepted"),
    [
        (T2V, {"prompt": "x"}, True),  # the documented default, kling-v1
        (T2V, {"prompt": "x", "model_name": ""}, True),  # empty: the default too
        (T2V, {"prompt": "x", "model_name": "kling-v1-6"}, True),
        (I2V, {"image": IMAGE, "model_name": "kling-v1-5"}, True),
        (T2V, {"prompt": "x", "model_name": "kling-v3"}, False),
        (T2V, {"prompt": "x", "model_name": "kling-v2-5-turbo"}, False),
        (I2V, {"image": IMAGE, "model_name": "kling-v2-6"}, False),
    ],
)
async def test_only_videos_of_the_kling_v1_family_can_be_extended(
    client: httpx.AsyncClient, clock: ManualClock, path: str, body: Any, accepted: bool
) -> None:
    """api-reference.md 3.7: only videos made by kling-v1, v1-5, v1-6."""
    source = await _video(client, clock, path, body)
    if accepted:
        ok(await client.post(EXTEND, json={"video_id": source["id"]}))
        return
    model = body["model_name"]
    endpoint = "text2video" if path == T2V else "image2video"
    message = await _refused(client, EXTEND, {"video_id": source["id"]})
    assert message == f"video_id: video {source['id']} was made by {endpoint} with model_name " + (
        f"{model}; {EXTENDABLE}"
    )


async def test_an_extension_inherits_its_source_model(
    client: httpx.AsyncClient, clock: ManualClock, backend: Backend
) -> None:
    source = await _video(client, clock, T2V, {"prompt": "x", "model_name": "kling-v1-6"})
    extended = await _video(client, clock, EXTEND, {"video_id": source["id"]})
    record = backend.store.get_record("video", "mock-access-key", extended["id"])
    assert record is not None
    assert record["made"] == {
        "endpoint": "video-extend",
        "model_name": "kling-v1-6",
        "mode": "std",
    }


@pytest.mark.parametrize(
    ("path", "body", "accepted"),
    [
        (T2V, {"prompt": "x", "model_name": "kling-v2-6", "mode": "pro", "sound": "on"}, True),
        (T2V, {"prompt": "x", "model_name": "kling-v2-6", "mode": "pro", "sound": "off"}, False),
        (T2V, {"prompt": "x"}, False),
        (
            "/v1/videos/avatar/image2video",
            {"image": IMAGE, "sound_file": "https://e.com/a.mp3"},
            True,
        ),
    ],
)
async def test_a_voice_is_cloned_only_from_a_video_with_speech(
    client: httpx.AsyncClient, clock: ManualClock, path: str, body: Any, accepted: bool
) -> None:
    """api-reference.md 3.14: kling-v2-6 with sound on, an avatar or a lip-sync video."""
    source = await _video(client, clock, path, body)
    voice = {"voice_name": "v", "video_id": source["id"]}
    if accepted:
        ok(await client.post("/v1/general/custom-voices", json=voice))
    else:
        message = await _refused(client, "/v1/general/custom-voices", voice)
        assert message.startswith(f"video_id: video {source['id']} was made by text2video with")
        assert "or avatar-image2video, advanced-lip-sync or lip-sync can be used here" in message


# -- span: where the inserted audio falls ------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "insert", "message"),
    [
        (0, 3000, 1000, None),
        (0, 2000, 3100, None),  # exactly 2 s of overlap, ending with the video
        (
            0,
            2000,
            3101,
            "face_choose[0].sound_insert_time: the inserted audio (3101-5101 ms) must overlap "
            "face 0's window (0-5100 ms) by at least 2000 ms",
        ),
        (
            0,
            4000,
            3000,
            "face_choose[0].sound_insert_time: the inserted audio must end inside the video "
            "(5100 ms), got 7000 ms",
        ),
    ],
)
async def test_the_inserted_audio_overlaps_the_face_and_stays_in_the_video(
    client: httpx.AsyncClient, start: int, end: int, insert: int, message: str | None
) -> None:
    """api-reference.md 3.8b: overlap the face's window by >= 2 s and stay inside the video
    (a video_url session: 5.1 s, the face seen throughout)."""
    session = ok(await client.post(FACE, json={"video_url": "https://e.com/v.mp4"}))
    face = {
        "face_id": "0",
        "sound_file": "https://e.com/a.mp3",
        "sound_start_time": start,
        "sound_end_time": end,
        "sound_insert_time": insert,
    }
    body = {"session_id": session["session_id"], "face_choose": [face]}
    if message is None:
        ok(await client.post(LIP_SYNC, json=body))
    else:
        assert await _refused(client, LIP_SYNC, body) == message
