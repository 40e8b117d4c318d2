"""A task's result in the model-path design: typed ``outputs[]`` (new-design-api.md 6.2).

Images of one group (an AI multi-shot item's three views, omni-image series) share a
``group_id``; other images have none.

Every task keeps the one result its builder made (the legacy ``task_result`` shape, so both
designs share the builders and the media they issue); ``/tasks`` and model-path callbacks show
it as typed items. Legacy-created tasks appear there too, as the live service lists them (9).
``OUTPUTS`` says, per result key, which item type it becomes and where each item field comes
from; element material lists are spelled ``references`` in queries and ``materials`` in
callbacks, as the two pages document (6.2; the sheet's guess, kept).
"""

from __future__ import annotations

from typing import Any

# result key -> (output type, {output field: result item field})
OUTPUTS: dict[str, tuple[str, dict[str, str]]] = {
    "videos": (
        "video",
        {"id": "id", "url": "url", "watermark_url": "watermark_url", "duration": "duration"},
    ),
    "images": ("image", {"url": "url", "watermark_url": "watermark_url"}),
    "series_images": ("image", {"url": "url", "watermark_url": "watermark_url"}),
    "audios": (
        "audio",
        {
            "id": "id",
            "mp3_url": "url_mp3",
            "wav_url": "url_wav",
            "mp3_duration": "duration_mp3",
            "wav_duration": "duration_wav",
        },
    ),
    "voices": (
        "voice",
        {"id": "voice_id", "name": "voice_name", "url": "trial_url", "owned_by": "owned_by"},
    ),
}
STATUS = {"succeed": "succeeded", "deleted": "deleted"}
# billing[].package_type is one of video, image, audio (6.3): the fake's try-on pool (its own
# packs, live-behaviour.md D) is an image product, so its charges show as image units.
PACKAGE_TYPES = {"video": "video", "image": "image", "try-on": "image"}


def outputs(result: dict[str, Any], *, group_id: str, materials_key: str) -> list[dict[str, Any]]:
    """``result`` (a builder's output) as typed output items, in the result's own order."""
    out: list[dict[str, Any]] = []
    for key, items in result.items():
        if not isinstance(items, list):
            continue
        if key == "elements":
            out += [_element(item, materials_key) for item in items if isinstance(item, dict)]
            continue
        if key not in OUTPUTS:
            continue
        kind, fields = OUTPUTS[key]
        for item in items:
            if not isinstance(item, dict):
                continue
            if kind == "image" and "url" not in item:  # AI multi-shot: url_1, url_2, url_3
                group = f"{group_id}-{item.get('index', 0)}"
                views = sorted(k for k in item if k.startswith("url_"))
                out += [{"type": "image", "url": item[k], "group_id": group} for k in views]
                continue
            typed: dict[str, Any] = {"type": kind}
            typed.update({name: item[src] for name, src in fields.items() if src in item})
            if kind == "voice":
                typed["status"] = "succeeded"
            if key == "series_images":
                typed["group_id"] = group_id
            out.append(typed)
    return out


def _element(item: dict[str, Any], materials_key: str) -> dict[str, Any]:
    refer = "reference" if materials_key == "references" else "refer"
    images = item.get("element_image_list") or {}
    materials: list[dict[str, Any]] = []
    if images.get("frontal_image"):
        materials.append({"type": "image", "role": "frontal", "url": images["frontal_image"]})
    for image in images.get("refer_images") or []:
        if isinstance(image, dict) and image.get("image_url"):
            materials.append({"type": "image", "role": refer, "url": image["image_url"]})
    videos = item.get("element_video_list") or {}
    for video in videos.get("refer_videos") or []:
        if isinstance(video, dict) and video.get("video_url"):
            materials.append({"type": "video", "role": "refer", "url": video["video_url"]})
    kind = item.get("reference_type")
    return {
        "type": "element",
        "id": str(item.get("element_id", "")),
        "name": item.get("element_name", ""),
        "description": item.get("element_description", ""),
        "element_type": (
            "video_character_elements" if kind == "video_refer" else "multi_image_elements"
        ),
        materials_key: materials,
        "owned_by": item.get("owned_by", ""),
        "status": STATUS.get(str(item.get("status")), "succeeded"),
        "tags": [_tag(t) for t in item.get("tag_list") or [] if isinstance(t, dict)],
    }


def _tag(tag: dict[str, Any]) -> dict[str, Any]:
    """Legacy ``{"tag_id": "o_102"}`` -> ``{"id": 102, "name": "o_102", ...}`` (6.2 types
    ``id`` as an integer; the fake has no tag names, so the name is the legacy id)."""
    raw = str(tag.get("tag_id", ""))
    digits = "".join(ch for ch in raw if ch.isdigit())
    return {"id": int(digits) if digits else 0, "name": raw, "description": ""}
