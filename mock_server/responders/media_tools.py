"""Synchronous media helpers: TTS, face identification (lip-sync step 1), image recognition."""

from __future__ import annotations

from typing import Any

from mock_server.responders import CallContext, responder

SESSION = "session"  # record kind shared by identify-face and multi-elements sessions
FACE_VIDEO_SECONDS = 5.1  # the length assumed for a video_url (never fetched): Kling's 5 s


def session_record(
    kind: str, created_at: int, seconds: float, faces: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A session as the store keeps it (``kind``: ``lip-sync`` or ``multi-elements``), and as
    the references check reads it (``validation/references.py``): its video's length, and the
    faces identify-face found in it."""
    record: dict[str, Any] = {"kind": kind, "created_at": created_at, "seconds": seconds}
    if faces is not None:
        record["faces"] = faces
    else:
        record["frames"] = {}
    return record


def source_seconds(ctx: CallContext, default: float) -> float:
    """The length of the video the call names: a video the fake made has a known length (its
    issued record); a URL is not fetched, so it gets ``default``."""
    video_id = ctx.body.get("video_id")
    made = ctx.backend.store.get_record("video", ctx.account.access_key, str(video_id))
    seconds = (made or {}).get("seconds") if video_id else None
    return float(seconds) if isinstance(seconds, int | float) else default


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
    """One face, seen from start to end of the video (Guess: the docs give no example
    timing); the session keeps the video's length for advanced lip-sync's ``span`` rule."""
    ids = ctx.backend.ids
    session_id = ids.numeric_id()
    seconds = source_seconds(ctx, FACE_VIDEO_SECONDS)
    faces = [
        {
            "face_id": "0",
            "face_image": ctx.urls.image(f"face-{session_id}-0", "1:1"),
            "start_time": 0,
            "end_time": round(seconds * 1000),
        }
    ]
    ctx.backend.store.put_record(
        SESSION,
        ctx.account.access_key,
        session_id,
        session_record("lip-sync", ctx.now, seconds, faces),
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
