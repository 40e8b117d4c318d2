"""The harness's objects (contract_tests/objects.py): real ids for the ids a body names, made
once through the target's own API, chosen by the reference's rules, and the reference rules
judged on what was made."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from contract_tests.objects import Objects, SetupRefused, Unavailable, default_registry
from contract_tests.oracle import Oracle
from contract_tests.spend import SpendGuard
from mock_server import ManualClock
from mock_server.asgi_bridge import AsgiBridge
from tests.conftest import BASE_URL

REGISTRY, REFERENCES = default_registry()
ORACLE = Oracle(REGISTRY)


class Fake:
    """The in-process fake, called the way the harness calls a target; counts creates."""

    def __init__(self, app: Starlette, auth: dict[str, str], clock: ManualClock) -> None:
        self.bridge = AsgiBridge(app)
        self.client = httpx.Client(
            transport=httpx.MockTransport(self.bridge), base_url=BASE_URL, headers=auth
        )
        self.clock = clock
        self.posts: list[str] = []

    def send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        if method == "POST":
            self.posts.append(path)
        answer = self.client.request(method, path, json=body if method == "POST" else None)
        data = answer.json()
        if data["code"] != 0:
            raise SetupRefused(data["message"])
        return data["data"]

    def objects(self, **options: Any) -> Objects:
        return Objects(
            REGISTRY,
            REFERENCES,
            self.send,
            self.clock.advance,
            self.clock.now_ms,
            step_s=2.0,
            **options,
        )

    def answer(self, endpoint: str, body: dict[str, Any]) -> Any:
        return self.client.post(REGISTRY.endpoints[endpoint].path, json=body).json()


@pytest.fixture
def fake(app: Starlette, auth: dict[str, str], clock: ManualClock) -> Iterator[Fake]:
    made = Fake(app, auth, clock)
    yield made
    made.client.close()
    made.bridge.close()


def test_an_object_is_made_once_and_reused_by_every_body_it_suits(fake: Fake) -> None:
    objects = fake.objects()
    refs = REFERENCES.of("video-extend")
    first = objects.fill({"video_id": "made-up"}, refs)
    second = objects.fill({"video_id": "other", "prompt": "more"}, REFERENCES.of("identify-face"))
    assert first["video_id"] == second["video_id"] != "made-up"
    assert fake.posts == ["/v1/videos/text2video"]
    assert fake.answer("video-extend", first)["code"] == 0


def test_made_by_picks_a_recorded_example_that_makes_a_suitable_object(fake: Fake) -> None:
    """A custom voice needs a video with speech (kling-v2-6 with sound on, 5-30 s): the
    text2video example that makes one is chosen, not the minimal one."""
    objects = fake.objects()
    body = objects.fill({"voice_name": "v", "video_id": "x"}, REFERENCES.of("custom-voices"))
    record = objects.store.get_record("video", "harness", body["video_id"])
    assert record is not None
    assert (record["made"]["model_name"], record["made"]["sound"], record["seconds"]) == (
        "kling-v2-6",
        "on",
        10.1,
    )
    assert fake.answer("custom-voices", body)["code"] == 0


@pytest.mark.parametrize("duration", ["5", "10"])
def test_a_session_is_made_on_a_video_as_long_as_the_body_asks(fake: Fake, duration: str) -> None:
    objects = fake.objects()
    body = {"session_id": "x", "edit_mode": "removal", "prompt": "Remove it", "duration": duration}
    filled = objects.fill(body, REFERENCES.of("multi-elements"))
    assert fake.answer("multi-elements", filled)["code"] == 0


def test_reference_rules_are_judged_on_what_was_made(fake: Fake) -> None:
    """The same answer the fake gives: an audio cut past the audio's end is refused."""
    objects = fake.objects()
    face = {
        "face_id": "x",
        "audio_id": "x",
        "sound_start_time": 0,
        "sound_end_time": 3000,
        "sound_insert_time": 1000,
    }
    body = objects.fill(
        {"session_id": "x", "face_choose": [face]}, REFERENCES.of("advanced-lip-sync")
    )
    assert objects.expect(ORACLE, "advanced-lip-sync.create", body).accepted
    audio = objects.store.get_record("audio", "harness", body["face_choose"][0]["audio_id"])
    assert audio is not None
    too_far = int(audio["seconds"] * 1000) + 1
    body["face_choose"][0] |= {"sound_start_time": too_far - 3000, "sound_end_time": too_far}
    expected = objects.expect(ORACLE, "advanced-lip-sync.create", body)
    answer = fake.answer("advanced-lip-sync", body)
    assert (expected.code, expected.message) == (answer["code"], answer["message"])
    assert expected.message.startswith("face_choose[0].sound_end_time: must be at most")


def test_without_spend_presets_stand_in_and_other_kinds_are_unavailable(fake: Fake) -> None:
    guard = SpendGuard(REGISTRY, limited=True, allowance=0)
    objects = fake.objects(may_make=guard.allow_setup, presets_first=True)
    body = objects.fill(
        {"prompt": "x", "element_list": [{"element_id": 1}]}, REFERENCES.of("image-generations")
    )
    assert str(body["element_list"][0]["element_id"]) in REFERENCES.presets["element"]
    with pytest.raises(Unavailable):
        objects.fill({"video_id": "x"}, REFERENCES.of("video-extend"))
    assert fake.posts == []


def test_objects_a_test_needs_take_the_spending_allowance() -> None:
    guard = SpendGuard(REGISTRY, limited=True, allowance=1)
    assert guard.allow_setup("video") and not guard.allow_setup("audio")
    assert guard.spent == 1
    assert SpendGuard(REGISTRY, limited=False).allow_setup("video")
