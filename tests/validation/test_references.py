"""References between objects (x-kling-ref): an id must name a live object of the account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.backend import Backend
from mock_server.examples import load
from mock_server.validation.references import found_at
from tests.conftest import BASE_URL, ok

pytestmark = pytest.mark.anyio
DAY_S = 24 * 3600

# (kind, an endpoint whose valid example names one, the message for an unknown id "404")
KINDS = [
    ("video", "video-extend", "Video id not found: 404"),
    ("video", "video-to-audio", "Video id not found: 404"),
    ("video", "identify-face", "Video id not found: 404"),
    ("audio", "avatar-image2video", "Audio id not found: 404"),
    ("audio", "advanced-lip-sync", "Audio id not found: 404"),
    ("element", "image-generations", "Element id not found: 404"),
    ("voice", "text2video", "Voice id not found"),
    ("voice", "advanced-custom-elements", "Voice id not found"),
    ("lip-sync-session", "advanced-lip-sync", "Session id not found or expired: 404"),
    ("face", "advanced-lip-sync", "Face id not found: 404"),
    ("multi-elements-session", "multi-elements", "Session id not found or expired: 404"),
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The default account plus a second one, "ak-two"."""
    accounts = tmp_path / "accounts.json"
    accounts.write_text(
        json.dumps(
            {
                "accounts": [
                    {"access_key": "mock-access-key", "secret_key": "mock-secret-key"},
                    {"access_key": "ak-two", "secret_key": "sk-two"},
                ]
            }
        )
    )
    return Settings(accounts_file=accounts)


def _example(backend: Backend, endpoint: str, kind: str) -> dict[str, Any]:
    """The first valid example of ``endpoint`` that names an id of ``kind`` (without its
    external_task_id, so that it can be sent twice)."""
    refs = [path for path, spec in backend.references.of(endpoint) if spec["kind"] == kind]
    body = next(
        c.body for c in load(endpoint, "valid") if any(list(found_at(c.body, p)) for p in refs)
    )
    return {k: v for k, v in body.items() if k != "external_task_id"}


def _with(backend: Backend, endpoint: str, kind: str, body: dict[str, Any], value: Any) -> Any:
    out = json.loads(json.dumps(body))
    for path, spec in backend.references.of(endpoint):
        if spec["kind"] == kind:
            for where, _, item in found_at(out, path):
                item[where[-1]] = value
    return out


async def _send(
    client: httpx.AsyncClient, backend: Backend, endpoint: str, body: Any, **headers: str
) -> Any:
    ep = backend.registry.endpoints[endpoint]
    return (await client.post(ep.path, json=body, headers=headers)).json()


@pytest.mark.parametrize(("kind", "endpoint", "message"), KINDS, ids=lambda v: str(v))
async def test_a_real_id_is_accepted_and_an_unknown_one_refused(
    client: httpx.AsyncClient,
    backend: Backend,
    prepare_state: Any,
    kind: str,
    endpoint: str,
    message: str,
) -> None:
    body = prepare_state(endpoint, _example(backend, endpoint, kind))
    assert (await _send(client, backend, endpoint, body))["code"] == 0
    before = len(backend.store.tasks())
    refused = await _send(client, backend, endpoint, _with(backend, endpoint, kind, body, "404"))
    assert (refused["code"], refused["message"]) == (1201, message)
    assert "data" not in refused
    assert len(backend.store.tasks()) == before  # a refused request stores nothing


@pytest.mark.parametrize(("kind", "endpoint", "message"), KINDS, ids=lambda v: str(v))
async def test_an_id_of_another_account_is_refused(
    app: Any,
    backend: Backend,
    clock: ManualClock,
    prepare_state: Any,
    kind: str,
    endpoint: str,
    message: str,
) -> None:
    body = prepare_state(endpoint, _example(backend, endpoint, kind))
    token = mint_token("ak-two", "sk-two", clock.now_ms() / 1000)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as two:
        refused = await _send(two, backend, endpoint, body)
    assert refused["code"] == 1201
    # The first reference the body names is the one refused (a session before its face).
    assert refused["message"].split(":")[0] in {m.split(":")[0] for _, _, m in KINDS}


async def test_presets_are_accepted(client: httpx.AsyncClient, backend: Backend) -> None:
    body = {"prompt": "a fox", "model_name": "kling-v3", "element_list": [{"element_id": 160}]}
    assert (await _send(client, backend, "image-generations", body))["code"] == 0
    voices = {"voice_list": [{"voice_id": "829000000000000001"}], "sound": "on"}
    body = {"model_name": "kling-v3", "prompt": "<<<voice_1>>> says hi", **voices}
    assert (await _send(client, backend, "text2video", body))["code"] == 0


async def _finish(client: httpx.AsyncClient, clock: ManualClock, path: str, body: Any) -> Any:
    created = ok(await client.post(path, json=body))
    clock.advance(60)
    return ok(await client.get(f"{path}/{created['task_id']}"))["task_result"]


async def test_deleted_elements_are_refused(
    client: httpx.AsyncClient, backend: Backend, clock: ManualClock
) -> None:
    old = ok(
        await client.post(
            "/v1/general/custom-elements",
            json={
                "element_name": "old",
                "element_description": "d",
                "element_frontal_image": "https://e.com/f.png",
                "element_refer_list": [{"image_url": "https://e.com/r.png"}],
            },
        )
    )["element_id"]
    images = {
        "frontal_image": "https://e.com/f.png",
        "refer_images": [{"image_url": "https://e.com/r.png"}],
    }
    new = (
        await _finish(
            client,
            clock,
            "/v1/general/advanced-custom-elements",
            {
                "element_name": "new",
                "element_description": "d",
                "reference_type": "image_refer",
                "element_image_list": images,
            },
        )
    )["elements"][0]["element_id"]
    for element_id in (old, new):
        body = {"prompt": "a fox", "element_list": [{"element_id": element_id}]}
        assert (await _send(client, backend, "image-generations", body))["code"] == 0
        deleted = await client.post(
            "/v1/general/delete-elements", json={"element_id": str(element_id)}
        )
        assert deleted.json()["code"] == 0
        refused = await _send(client, backend, "image-generations", body)
        assert refused["message"] == f"Element id not found: {element_id}"


async def test_a_deleted_voice_is_refused(
    client: httpx.AsyncClient, backend: Backend, prepare_state: Any
) -> None:
    body = prepare_state("text2video", _example(backend, "text2video", "voice"))
    voice_id = body["voice_list"][0]["voice_id"]
    deleted = await client.post("/v1/general/delete-voices", json={"voice_id": voice_id})
    assert deleted.json()["code"] == 0
    refused = await _send(client, backend, "text2video", body)
    assert (refused["code"], refused["message"]) == (1201, "Voice id not found")


@pytest.mark.parametrize("endpoint", ["advanced-lip-sync", "multi-elements"])
async def test_an_expired_session_is_refused(
    client: httpx.AsyncClient,
    backend: Backend,
    clock: ManualClock,
    prepare_state: Any,
    token: Any,
    endpoint: str,
) -> None:
    kind = "lip-sync-session" if endpoint == "advanced-lip-sync" else "multi-elements-session"
    body = prepare_state(endpoint, _example(backend, endpoint, kind))
    clock.advance(DAY_S + 1)
    fresh = f"Bearer {token()}"  # the client's token has expired too
    refused = await _send(client, backend, endpoint, body, Authorization=fresh)
    assert refused["message"] == f"Session id not found or expired: {body['session_id']}"


async def test_reset_forgets_every_issued_id(
    client: httpx.AsyncClient, backend: Backend, prepare_state: Any
) -> None:
    body = prepare_state("video-extend", _example(backend, "video-extend", "video"))
    backend.reset()
    refused = await _send(client, backend, "video-extend", body)
    assert refused["message"] == f"Video id not found: {body['video_id']}"


async def test_an_audio_id_is_not_a_video_id(
    client: httpx.AsyncClient, backend: Backend, prepare_state: Any
) -> None:
    audio = prepare_state("avatar-image2video", _example(backend, "avatar-image2video", "audio"))
    refused = await _send(client, backend, "video-extend", {"video_id": audio["audio_id"]})
    assert refused["message"] == f"Video id not found: {audio['audio_id']}"


async def test_references_are_not_checked_when_switched_off(clock: ManualClock) -> None:
    app = create_app(Settings(check_references=False), clock=clock)
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as c:
        ok(await c.post("/v1/videos/video-extend", json={"video_id": "made-up"}))


# -- media rules: the fake knows the length of what it made ---------------------------------


async def _tts(client: httpx.AsyncClient, chars: int) -> str:
    """A TTS audio of about chars / 4 seconds (responders/media_tools.tts)."""
    body = {"text": "a" * chars, "voice_id": "oversea_male1", "voice_language": "en"}
    data = ok(await client.post("/v1/audio/tts", json=body))
    return str(data["task_result"]["audios"][0]["id"])


async def test_sound_end_time_must_stay_within_the_audio(
    client: httpx.AsyncClient, backend: Backend, prepare_state: Any
) -> None:
    body = prepare_state("advanced-lip-sync", _example(backend, "advanced-lip-sync", "audio"))
    body["face_choose"][0]["audio_id"] = await _tts(client, 40)  # 10 s
    # The last 3 s of it: a clip short enough to fit in the session's 5.1 s video (span).
    body["face_choose"][0]["sound_start_time"] = 7_000
    body["face_choose"][0]["sound_end_time"] = 10_000
    assert (await _send(client, backend, "advanced-lip-sync", body))["code"] == 0
    body["face_choose"][0]["sound_end_time"] = 10_001
    refused = await _send(client, backend, "advanced-lip-sync", body)
    assert refused["message"] == (
        "face_choose[0].sound_end_time: must be at most the audio's length, 10000 ms (got 10001)"
    )


async def test_an_audio_too_short_for_an_avatar_is_refused(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    body = {"image": "https://e.com/a.png", "audio_id": await _tts(client, 4)}  # 1 s
    refused = await _send(client, backend, "avatar-image2video", body)
    assert refused["message"] == "audio_id: the audio must be 2-300 s long, got 1 s"


async def test_an_extension_past_three_minutes_is_refused(
    client: httpx.AsyncClient, backend: Backend, prepare_state: Any
) -> None:
    body = prepare_state("video-extend", _example(backend, "video-extend", "video"))
    record = backend.store.get_record("video", "mock-access-key", body["video_id"])
    assert record is not None and record["seconds"] == 5.1
    # A 176 s video (a chain of extensions): one more would pass 3 minutes.
    backend.store.put_record(
        "video", "mock-access-key", body["video_id"], record | {"seconds": 176}
    )
    refused = await _send(client, backend, "video-extend", body)
    assert refused["message"] == "video_id: the video must be at most 175 s long, got 176 s"


@pytest.mark.parametrize(
    ("source", "duration", "accepted"),
    [("5", "5", True), ("5", "10", False), ("10", "10", True), ("10", "5", False)],
)
async def test_multi_elements_duration_must_suit_the_source_video(
    client: httpx.AsyncClient,
    backend: Backend,
    clock: ManualClock,
    source: str,
    duration: str,
    accepted: bool,
) -> None:
    made = await _finish(
        client, clock, "/v1/videos/text2video", {"prompt": "x", "duration": source}
    )
    init = ok(
        await client.post(
            "/v1/videos/multi-elements/init-selection",
            json={"video_id": made["videos"][0]["id"]},
        )
    )
    assert init["original_duration"] == int(float(made["videos"][0]["duration"]) * 1000)
    body = {
        "session_id": init["session_id"],
        "edit_mode": "removal",
        "prompt": "Remove the cup from <<<video_1>>>",
        "duration": duration,
    }
    answer = await _send(client, backend, "multi-elements", body)
    if accepted:
        assert answer["code"] == 0, answer
    else:
        seconds = made["videos"][0]["duration"]
        band = "2-5.1" if duration == "5" else "7-10.1"
        assert answer["message"] == (
            f'duration: "{duration}" needs a source video of {band} s, got {float(seconds):g} s'
        )


async def test_an_extension_reports_its_source_length(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    made = await _finish(client, clock, "/v1/videos/text2video", {"prompt": "x", "duration": "10"})
    video = made["videos"][0]
    created = ok(await client.post("/v1/videos/video-extend", json={"video_id": video["id"]}))
    task = ok(await client.get(f"/v1/videos/video-extend/{created['task_id']}"))
    assert task["task_info"]["parent_video"]["duration"] == video["duration"] == "10.1"
