"""Synchronous media helpers: TTS, face identification (lip-sync step 1), image recognition."""

from __future__ import annotations

from typing import Any

from mock_server.responders import CallContext, responder

SESSION = "session"  # record kind shared by identify-face and multi-elements sessions


@responder("tts")
def tts(ctx: CallContext) -> dict[str, Any]:
    """A finished task in one call; the audio id stays usable as an ``audio_id``. Audio ids
    are 18-digit numbers, as seen live (live-behaviour.md A.2 #11, A.5 #27)."""
    ids = ctx.backend.ids
    task_id, audio_id = ids.task_id(), ids.numeric_id(18)
    text = str(ctx.body.get("text", ""))
    speed = min(max(float(ctx.body.get("voice_speed", 1.0)), 0.8), 2.0)
    # About 4 characters per second of speech at speed 1, never under one second.
    seconds = max(1.0, round(len(text) / 4 / speed, 1))
    ctx.backend.store.put_record(
        "audio", ctx.account.access_key, audio_id, {"id": audio_id, "duration": seconds}
    )
    now = ctx.now
    return {
        "task_id": task_id,
        "task_status": "succeed",
        "task_status_msg": "",
        "task_result": {
            "audios": [
                {
                    "id": audio_id,
                    "url": ctx.urls.audio(f"tts-{audio_id}", "mp3", seconds=seconds),
                    "duration": f"{seconds:.1f}",
                }
            ]
        },
        "final_unit_deduction": ctx.units(),
        "created_at": now,
        "updated_at": now,
    }


@responder("identify_face")
def identify_face(ctx: CallContext) -> dict[str, Any]:
    ids = ctx.backend.ids
    session_id = ids.numeric_id()
    faces = [
        {
            "face_id": "0",
            "face_image": ctx.urls.image(f"face-{session_id}-0", "1:1"),
            "start_time": 0,
            "end_time": 5_100,
        }
    ]
    ctx.backend.store.put_record(
        SESSION,
        ctx.account.access_key,
        session_id,
        {"kind": "lip-sync", "created_at": ctx.now, "faces": faces},
    )
    return {"session_id": session_id, "final_unit_deduction": ctx.units(), "face_data": faces}


@responder("image_recognize")
def image_recognize(ctx: CallContext) -> dict[str, Any]:
    name = ctx.backend.ids.hex32()
    images = [
        {"type": kind, "is_contain": True, "url": ctx.urls.image(f"{name}-{kind}", "1:1")}
        for kind in ("object_seg", "head_seg", "face_seg", "cloth_seg")
    ]
    return {"final_unit_deduction": ctx.units(), "task_result": {"images": images}}
