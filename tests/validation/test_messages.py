"""One 1201 message per request, naming the field and the rule; the most useful one wins."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server import Settings, create_app
from mock_server.errors import KlingError

BACKEND = create_app(Settings(clock="manual")).state.backend


def message(op_id: str, body: Any) -> tuple[int, str]:
    op = next(o for o in BACKEND.registry if o.op_id == op_id)
    try:
        BACKEND.validate(op, body)
    except KlingError as error:
        return error.code, error.message
    return 0, ""


@pytest.mark.parametrize(
    ("op_id", "body", "expected"),
    [
        (
            "text2video.create",
            {"prompt": "x", "mode": "turbo"},
            (1201, 'mode: must be one of "std", "pro", "4k"'),
        ),
        (
            "text2video.create",
            {"prompt": "x", "mode": "4k"},
            (1201, "mode: 4k is only available with kling-v3"),
        ),
        (
            "text2video.create",
            {"prompt": "x", "model_name": "kling-v9", "duration": "7"},
            (
                1203,
                'model_name: model "kling-v9" does not exist; supported: kling-v1, kling-v1-6, '
                "kling-v2-master, kling-v2-1-master, kling-v2-5-turbo, kling-v2-6, kling-v3",
            ),
        ),
        (
            "text2video.create",
            {"model_name": "kling-v3", "multi_shot": True},
            (1201, "shot_type: is required"),
        ),
        ("text2video.create", {"prompt": ["x"]}, (1201, "prompt: must be a string")),
        ("text2video.create", {"prompt": 5, "duration": 10, "cfg_scale": "0.5"}, (0, "")),
        (
            "text2video.create",
            {"prompt": "x" * 2501},
            (1201, "prompt: must be at most 2500 characters"),
        ),
        ("text2video.create", {"prompt": "x", "cfg_scale": 1.5}, (1201, "cfg_scale: must be <= 1")),
        (
            "text2video.create",
            {
                "model_name": "kling-v3",
                "multi_shot": True,
                "shot_type": "customize",
                "duration": "5",
                "multi_prompt": [
                    {"index": 1, "prompt": "a", "duration": "2"},
                    {"index": 2, "prompt": "b", "duration": "2"},
                ],
            },
            (1201, "multi_prompt: the duration values must add up to duration (5), got 4"),
        ),
        (
            "image-expand.create",
            {
                "image": "https://e.com/a.png",
                "up_expansion_ratio": 1,
                "down_expansion_ratio": 1,
                "left_expansion_ratio": 0.5,
                "right_expansion_ratio": 0,
            },
            (
                1201,
                "up_expansion_ratio, down_expansion_ratio, left_expansion_ratio, "
                "right_expansion_ratio: the expanded area must be at most 3 times the original, "
                "got 4.5",
            ),
        ),
    ],
)
def test_message_names_field_and_rule(op_id: str, body: Any, expected: tuple[int, str]) -> None:
    assert message(op_id, body) == expected


def test_scalars_are_coerced_to_the_declared_type_unless_strict() -> None:
    op = next(o for o in BACKEND.registry if o.op_id == "text2video.create")
    body = {
        "prompt": 5,
        "duration": 10,
        "cfg_scale": "0.5",
        "multi_shot": "false",
        "external_task_id": 42,
        "watermark_info": {"enabled": "true"},
    }
    seen = BACKEND.validate(op, body)
    assert (seen["prompt"], seen["duration"], seen["cfg_scale"]) == ("5", "10", 0.5)
    assert seen["external_task_id"] == "42" and seen["watermark_info"] == {"enabled": True}
    strict = create_app(Settings(strict=True, clock="manual")).state.backend
    with pytest.raises(KlingError, match="prompt: must be a string"):
        strict.validate(op, body)


def test_null_means_not_given_unless_strict() -> None:
    op = next(o for o in BACKEND.registry if o.op_id == "text2video.create")
    body = {
        "prompt": "a fox",
        "negative_prompt": None,
        "camera_control": None,
        "external_task_id": None,
        "callback_url": None,
    }
    assert BACKEND.validate(op, body)["duration"] == "5"
    assert message(op.op_id, {"prompt": None}) == (1201, "prompt: is required")
    strict = create_app(Settings(strict=True, clock="manual")).state.backend
    with pytest.raises(KlingError, match="negative_prompt: must be a string"):
        strict.validate(op, body)
