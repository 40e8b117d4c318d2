"""Multi-elements editing helpers (kling-v1-6): a session per video, selections per frame.

Sessions live 24 h (api-reference.md 3.6); at most 10 frames may be marked per video.
"""

from __future__ import annotations

import base64
import functools
import io
from typing import Any

from PIL import Image, ImageDraw

from mock_server.errors import KlingError
from mock_server.responders import CallContext, responder
from mock_server.responders.media_tools import SESSION, session_record, source_seconds

SESSION_TTL_MS = 24 * 3600 * 1000
MAX_FRAMES = 10
WIDTH, HEIGHT, FPS, DURATION_MS = 1280, 720, 30.0, 5_000
SECONDS = DURATION_MS / 1000  # the session's video, and so its previews


@functools.cache
def _mask_png() -> str:
    img = Image.new("L", (WIDTH // 20, HEIGHT // 20), 0)
    ImageDraw.Draw(img).ellipse((16, 8, 48, 28), fill=255)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _session(ctx: CallContext) -> tuple[str, dict[str, Any]]:
    session_id = str(ctx.body.get("session_id", ""))
    session = ctx.backend.store.get_record(SESSION, ctx.account.access_key, session_id)
    if (
        session is None
        or session.get("kind") != "multi-elements"
        or ctx.now - int(session["created_at"]) > SESSION_TTL_MS
    ):
        raise KlingError(1201, f"session_id: session not found or expired: {session_id}")
    return session_id, session


def _save(ctx: CallContext, session_id: str, session: dict[str, Any]) -> None:
    """The store hands out copies: a changed session goes back through it."""
    ctx.backend.store.put_record(SESSION, ctx.account.access_key, session_id, session)


def _head(ctx: CallContext, session_id: str) -> dict[str, Any]:
    return {"status": 0, "session_id": session_id, "final_unit_deduction": ctx.units()}


def _masks(frame_index: int, points: list[Any]) -> dict[str, Any]:
    masks = [
        {
            "object_id": i,
            "rle_mask": {"size": [HEIGHT, WIDTH], "counts": f"{frame_index * WIDTH}:{WIDTH * 4}"},
            "png_mask": {"size": [HEIGHT, WIDTH], "base64": _mask_png()},
        }
        for i, _ in enumerate(points)
    ]
    return {"frame_index": frame_index, "rle_mask_list": masks}


@responder("multi_elements_init_selection")
def init_selection(ctx: CallContext) -> dict[str, Any]:
    session_id = ctx.backend.ids.numeric_id()
    seconds = source_seconds(ctx, SECONDS)
    ctx.backend.store.put_record(
        SESSION,
        ctx.account.access_key,
        session_id,
        # multi-elements checks its duration against the session's length (x-kling-ref)
        session_record("multi-elements", ctx.now, seconds),
    )
    return {
        **_head(ctx, session_id),
        "fps": FPS,
        "original_duration": round(seconds * 1000),
        "width": WIDTH,
        "height": HEIGHT,
        "total_frame": int(FPS * seconds),
        "normalized_video": ctx.urls.video(f"normalized-{session_id}", seconds=seconds),
    }


@responder("multi_elements_add_selection")
def add_selection(ctx: CallContext) -> dict[str, Any]:
    session_id, session = _session(ctx)
    frame = int(ctx.body["frame_index"])
    frames: dict[str, list[Any]] = session["frames"]
    total = int(FPS * float(session.get("seconds", SECONDS)))
    if frame >= total:
        raise KlingError(1201, f"frame_index: must be < {total} (frames in the video)")
    if str(frame) not in frames and len(frames) >= MAX_FRAMES:
        raise KlingError(1201, f"frame_index: at most {MAX_FRAMES} frames can be marked")
    points = frames.setdefault(str(frame), [])
    points.extend(p for p in ctx.body["points"] if p not in points)
    _save(ctx, session_id, session)
    return {**_head(ctx, session_id), "res": _masks(frame, points)}


@responder("multi_elements_delete_selection")
def delete_selection(ctx: CallContext) -> dict[str, Any]:
    session_id, session = _session(ctx)
    frame = int(ctx.body["frame_index"])
    points = session["frames"].get(str(frame), [])
    missing = [p for p in ctx.body["points"] if p not in points]
    if missing:
        raise KlingError(1201, "points: must equal points added before on this frame")
    remaining = [p for p in points if p not in ctx.body["points"]]
    if remaining:
        session["frames"][str(frame)] = remaining
    else:
        session["frames"].pop(str(frame), None)
    _save(ctx, session_id, session)
    return {**_head(ctx, session_id), "res": _masks(frame, remaining)}


@responder("multi_elements_clear_selection")
def clear_selection(ctx: CallContext) -> dict[str, Any]:
    session_id, session = _session(ctx)
    session["frames"] = {}
    _save(ctx, session_id, session)
    return _head(ctx, session_id)


@responder("multi_elements_preview_selection")
def preview_selection(ctx: CallContext) -> dict[str, Any]:
    session_id, _ = _session(ctx)
    return {
        **_head(ctx, session_id),
        "res": {
            "video": ctx.urls.video(f"preview-{session_id}", seconds=SECONDS),
            "video_cover": ctx.urls.image(f"preview-{session_id}-cover", "16:9"),
            "tracking_output": ctx.urls.video(f"tracking-{session_id}", seconds=SECONDS),
        },
    }
