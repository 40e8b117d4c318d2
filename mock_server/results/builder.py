"""task_result builders, one per result kind, registered by name.

A manifest entry's ``result`` names its builder; ``results/<kind>.json`` is the schema the
builder's output must match (``tests/results/test_builders.py`` checks every pair).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mock_server.naming import registrar
from mock_server.results.urls import MediaUrls
from mock_server.tasks.ids import IdFactory
from mock_server.tasks.model import Task


@dataclass(frozen=True)
class BuildContext:
    task: Task
    body: dict[str, Any]  # request body with documented defaults
    ids: IdFactory
    urls: MediaUrls
    watermark: bool
    owner: str  # creator id for owned_by
    # The result video's length when the engine decides it (a parent video's plus the
    # manifest's ``adds_seconds``); None: from the request's ``duration``.
    seconds: float | None = None


Builder = Callable[[BuildContext], dict[str, Any]]
TRIAL_SECONDS = 3.0  # a voice's trial clip
BUILDERS: dict[str, Builder] = {}


builder = registrar(BUILDERS, "result builder")


def _int(value: Any, default: int) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def _seconds(value: Any, default: float = 5.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def video_duration(body: dict[str, Any]) -> str:
    """Kling returns durations as strings, slightly over the request ("5.1" for 5 s)."""
    return f"{_seconds(body.get('duration')) + 0.1:.1f}"


def _aspect(body: dict[str, Any], default: str = "16:9") -> str:
    value = str(body.get("aspect_ratio") or default)
    return default if value == "auto" else value


def _video(ctx: BuildContext, index: int = 0) -> dict[str, Any]:
    name, aspect = f"{ctx.task.task_id}-{index}", _aspect(ctx.body)
    duration = video_duration(ctx.body) if ctx.seconds is None else f"{ctx.seconds:.1f}"
    seconds = float(duration)
    item = {"id": ctx.ids.uuid(), "url": ctx.urls.video(name, aspect, seconds=seconds)}
    if ctx.watermark:
        item["watermark_url"] = ctx.urls.video(f"{name}-wm", aspect, seconds=seconds)
    item["duration"] = duration
    return item


def _images(ctx: BuildContext, count: int, *, key: str = "images") -> dict[str, Any]:
    aspect, resolution = _aspect(ctx.body), str(ctx.body.get("resolution") or "1k")
    items = []
    for index in range(count):
        name = f"{ctx.task.task_id}-{key}-{index}"
        item: dict[str, Any] = {"index": index, "url": ctx.urls.image(name, aspect, resolution)}
        if ctx.watermark:
            item["watermark_url"] = ctx.urls.image(f"{name}-wm", aspect, resolution)
        items.append(item)
    return {key: items}


def _audio(ctx: BuildContext, seconds: float) -> dict[str, Any]:
    name = f"{ctx.task.task_id}-audio"
    duration = f"{seconds:.1f}"
    seconds = float(duration)  # the files are as long as the duration says
    return {
        "id": ctx.ids.uuid(),
        "url_mp3": ctx.urls.audio(name, "mp3", seconds=seconds),
        "url_wav": ctx.urls.audio(name, "wav", seconds=seconds),
        "duration_mp3": duration,
        "duration_wav": duration,
    }


@builder("videos")
def videos(ctx: BuildContext) -> dict[str, Any]:
    return {"videos": [_video(ctx)]}


@builder("edited_videos")
def edited_videos(ctx: BuildContext) -> dict[str, Any]:
    item = _video(ctx)
    return {
        "videos": [
            {"id": item.pop("id"), "session_id": str(ctx.body.get("session_id", "")), **item}
        ]
    }


@builder("images")
def images(ctx: BuildContext) -> dict[str, Any]:
    return _images(ctx, max(1, min(_int(ctx.body.get("n"), 1), 9)))


@builder("omni_images")
def omni_images(ctx: BuildContext) -> dict[str, Any]:
    if ctx.body.get("result_type") == "series":
        amount = ctx.body.get("series_amount", 4)
        count = 4 if amount == "auto" else max(2, min(_int(amount, 4), 9))
        return {"result_type": "series", **_images(ctx, count, key="series_images")}
    return {"result_type": "single", **_images(ctx, max(1, min(_int(ctx.body.get("n"), 1), 9)))}


@builder("multi_shot_images")
def multi_shot_images(ctx: BuildContext) -> dict[str, Any]:
    items = []
    for index in range(3):
        urls = {
            f"url_{angle}": ctx.urls.image(f"{ctx.task.task_id}-{index}-{angle}", "1:1")
            for angle in (1, 2, 3)
        }
        items.append({"index": index, **urls})
    return {"images": items}


@builder("audios")
def audios(ctx: BuildContext) -> dict[str, Any]:
    return {"audios": [_audio(ctx, _seconds(ctx.body.get("duration")))]}


@builder("video_audio")
def video_audio(ctx: BuildContext) -> dict[str, Any]:
    video = _video(ctx)
    video.pop("watermark_url", None)
    return {"videos": [video], "audios": [_audio(ctx, float(video["duration"]))]}


@builder("voices")
def voices(ctx: BuildContext) -> dict[str, Any]:
    voice_id = ctx.ids.numeric_id()
    return {
        "voices": [
            {
                "voice_id": voice_id,
                "voice_name": str(ctx.body.get("voice_name", "")),
                "trial_url": ctx.urls.audio(f"voice-{voice_id}", "mp3", seconds=TRIAL_SECONDS),
                "owned_by": ctx.owner,
            }
        ]
    }


@builder("elements")
def elements(ctx: BuildContext) -> dict[str, Any]:
    body = ctx.body
    element: dict[str, Any] = {
        "element_id": int(ctx.ids.numeric_id(15)),
        "element_name": str(body.get("element_name", "")),
        "element_description": str(body.get("element_description", "")),
        "reference_type": str(body.get("reference_type", "image_refer")),
        "element_image_list": body.get("element_image_list") or {},
        "element_video_list": body.get("element_video_list") or {},
        "tag_list": body.get("tag_list") or [],
        "owned_by": ctx.owner,
        "status": "succeed",
    }
    if body.get("element_voice_id"):
        voice_id = str(body["element_voice_id"])
        element["element_voice_info"] = {
            "voice_id": voice_id,
            "voice_name": voice_id,
            "trial_url": ctx.urls.audio(f"voice-{voice_id}", "mp3", seconds=TRIAL_SECONDS),
            "owned_by": ctx.owner,
        }
    return {"elements": [element]}
