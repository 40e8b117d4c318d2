"""The model-path design's engine parts on their own: the API-key-only check, the two named
rules, the typed outputs, the store's creation-time window and the design's field lifting."""

from __future__ import annotations

import pytest

from mock_server.accounts import Account
from mock_server.auth import API_KEY_ONLY, Authenticator, mint_token
from mock_server.errors import KlingError
from mock_server.results.outputs import outputs
from mock_server.spec.registry import Design
from mock_server.tasks.clock import ManualClock
from mock_server.tasks.model import Task
from mock_server.tasks.store import InMemoryTaskStore
from mock_server.validation.rules import max_list_items, shot_prompt, unique_values

ACCOUNT = Account("ak", "sk-secret", api_keys=("key-1",))
SHOTS = {
    "rule": "shot_prompt",
    "prompt": "prompt",
    "total": "settings.duration",
    "total_default": 5,
    "max_shots": 6,
    "max_chars": 512,
    "when": {"field": "settings.multi_shot", "in": [True], "default": True},
}


def _auth() -> tuple[Authenticator, ManualClock]:
    clock = ManualClock()
    return Authenticator([ACCOUNT], clock), clock


def test_api_key_only_takes_the_key_and_refuses_a_valid_jwt_with_the_live_answer() -> None:
    auth, clock = _auth()
    assert auth.authenticate("Bearer key-1", api_key_only=True) == ACCOUNT
    token = mint_token("ak", "sk-secret", clock.now_ms() / 1000)
    assert auth.authenticate(f"Bearer {token}") == ACCOUNT  # legacy paths take the JWT
    for header in (f"Bearer {token}", "Bearer nope", "Basic key-1", "key-1"):
        with pytest.raises(KlingError) as caught:
            auth.authenticate(header, api_key_only=True)
        assert (caught.value.code, caught.value.message) == (1002, API_KEY_ONLY)
    for header in (None, "  "):
        with pytest.raises(KlingError) as caught:
            auth.authenticate(header, api_key_only=True)
        assert caught.value.code == 1001


def _shot_problems(prompt: str, **settings: object) -> list[str]:
    body = {"prompt": prompt, "settings": settings}
    return [message for _, message in shot_prompt(body, SHOTS)]


def test_shot_prompt_accepts_plain_and_well_formed_multi_shot_prompts() -> None:
    assert _shot_problems("A fox in the snow", duration=7) == []
    assert _shot_problems("shot 1, 2, a fox; shot 2, 3, a hare;") == []
    assert _shot_problems("Shot 1, 4, wide;shot 2, 6, close", duration=10) == []
    assert _shot_problems("镜头1, 5, @chen walks") == []
    # multi_shot false: the syntax yields one shot and is not checked (3.1)
    assert _shot_problems("shot 1, 9, x;", duration=5, multi_shot=False) == []


@pytest.mark.parametrize(
    ("prompt", "duration", "words"),
    [
        ("shot 1, 2, a; shot 2, 2, b;", 5, "add up to settings.duration (5), got 4"),
        ("shot 1, 2, a; shot 3, 3, b;", 5, "numbered 1, 2, 3"),
        ("shot 1, 0, a; shot 2, 5, b;", 5, "whole number of seconds >= 1"),
        ("shot 1, 2.5, a; shot 2, 2.5, b;", 5, "whole number of seconds >= 1"),
        ("shot 1, 5, ;", 5, "description must have 1 to 512"),
        ("shot 1, 5, " + "x" * 513, 5, "description must have 1 to 512"),
        (";".join(f"shot {i}, 1, s" for i in range(1, 8)), 7, "at most 6 shots, got 7"),
        ("shot 1, 3, a; then more", 3, "shot 2: must be written"),
    ],
)
def test_shot_prompt_names_what_is_wrong(prompt: str, duration: int, words: str) -> None:
    problems = _shot_problems(prompt, duration=duration)
    assert len(problems) == 1 and words in problems[0], problems


def test_shot_prompt_finds_the_prompt_item_of_contents() -> None:
    params = {**SHOTS, "prompt": "contents[type=prompt].text"}
    body = {
        "contents": [
            {"type": "first_frame", "url": "https://x/a.png"},
            {"type": "prompt", "text": "shot 1, 2, a; shot 2, 2, b"},
        ],
        "settings": {"duration": 5},
    }
    found = list(shot_prompt(body, params))
    assert [path for path, _ in found] == [("contents", 1, "text")]


def test_max_list_items_counts_both_lists_together() -> None:
    params = {
        "fields": ["task_ids", "external_task_ids"],
        "separator": ",",
        "max": 20,
        "message": "too many",
    }
    ids = ",".join(str(i) for i in range(12))
    assert list(max_list_items({"task_ids": ids, "external_task_ids": "a,b,,c"}, params)) == []
    assert list(max_list_items({"task_ids": ids, "external_task_ids": ids}, params)) == [
        ((), "too many")
    ]


def test_outputs_types_every_result_kind() -> None:
    result = {
        "videos": [{"id": "v", "url": "http://m/v.mp4", "duration": "5.1"}],
        "series_images": [{"index": 0, "url": "http://m/i.png"}],
        "audios": [
            {
                "id": "a",
                "url_mp3": "http://m/a.mp3",
                "url_wav": "http://m/a.wav",
                "duration_mp3": "3.0",
                "duration_wav": "3.0",
            }
        ],
        "voices": [
            {"voice_id": "9", "voice_name": "n", "trial_url": "http://m/t.mp3", "owned_by": "1"}
        ],
        "elements": [
            {
                "element_id": 7,
                "element_name": "e",
                "element_description": "d",
                "reference_type": "image_refer",
                "owned_by": "1",
                "status": "succeed",
                "element_image_list": {
                    "frontal_image": "http://m/f.png",
                    "refer_images": [{"image_url": "http://m/r.png"}],
                },
                "tag_list": [{"tag_id": "o_102"}],
            }
        ],
    }
    out = outputs(result, group_id="g", materials_key="references")
    assert [o["type"] for o in out] == ["video", "image", "audio", "voice", "element"]
    assert out[0] == {"type": "video", "id": "v", "url": "http://m/v.mp4", "duration": "5.1"}
    assert out[1] == {"type": "image", "url": "http://m/i.png", "group_id": "g"}
    assert out[2]["mp3_url"] == "http://m/a.mp3" and out[2]["wav_duration"] == "3.0"
    assert out[3]["status"] == "succeeded" and out[3]["url"] == "http://m/t.mp3"
    element = out[4]
    assert element["id"] == "7" and element["element_type"] == "multi_image_elements"
    assert [m["role"] for m in element["references"]] == ["frontal", "reference"]
    assert element["tags"] == [{"id": 102, "name": "o_102", "description": ""}]
    callback = outputs(result, group_id="g", materials_key="materials")[4]
    assert [m["role"] for m in callback["materials"]] == ["frontal", "refer"]


def test_newest_first_window_and_positions() -> None:
    store = InMemoryTaskStore()
    for n in range(10):
        store.add(Task(f"t{n}", "acc", "ep", created_at=1000 + n * 10, body={}, base_url=""))
    store.add(Task("other", "acc2", "ep", created_at=1050, body={}, base_url=""))
    window = list(store.newest_first("acc", start_ms=1020, end_ms=1065))
    assert [t.task_id for _, t in window] == ["t6", "t5", "t4", "t3", "t2"]
    position = window[1][0]
    after = list(store.newest_first("acc", start_ms=1020, end_ms=1065, before=position))
    assert [t.task_id for _, t in after] == ["t4", "t3", "t2"]
    assert list(store.newest_first("nobody", start_ms=0, end_ms=10**13)) == []


def test_design_lift_copies_nested_fields_without_overwriting() -> None:
    design = Design(
        "d",
        "api-key",
        "model-path",
        {"duration": "settings.duration", "callback_url": "options.callback_url"},
    )
    body = {"settings": {"duration": 10}, "options": {}, "duration": "kept"}
    assert design.lift(body) == {**body, "duration": "kept"}
    assert design.lift({"settings": {"duration": 10}})["duration"] == 10
    assert Design("legacy").lift(body) is body


def test_unique_values_names_the_second_item_with_a_used_id() -> None:
    params = {"array": "contents", "field": "id"}
    body = {"contents": [{"type": "prompt"}, {"id": "a"}, {"id": "b"}, {"id": "a"}, {"id": ""}]}
    assert list(unique_values(body, params)) == [
        (("contents", 3, "id"), '"a" is used by another item')
    ]
    assert list(unique_values({"contents": [{"id": "a"}, {"id": "b"}, {}]}, params)) == []
