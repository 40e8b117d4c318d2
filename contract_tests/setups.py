"""State that some synchronous calls act on (a session, a finished custom voice, an element),
made through the API itself. Shared by the contract suite and the project's own tests."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any

from contract_tests.objects import Objects, Send, SetupRefused, Wait, default_objects

Setup = Callable[[Send, Wait, dict[str, Any]], dict[str, Any]]


def custom_voice(send: Send, wait: Wait, body: dict[str, Any]) -> dict[str, Any]:
    created = send(
        "POST",
        "/v1/general/custom-voices",
        {"voice_name": "setup voice", "voice_url": "https://example.com/voice.mp3"},
    )
    for _ in range(120):
        task = send("GET", f"/v1/general/custom-voices/{created['task_id']}", {})
        if task["task_status"] == "succeed":
            voice_id = task["task_result"]["voices"][0]["voice_id"]
            # Keep the caller's type: a numeric voice_id is what some cases are about.
            return {
                "voice_id": int(voice_id) if isinstance(body.get("voice_id"), int) else voice_id
            }
        wait(1)
    raise RuntimeError("setup: the custom voice never finished")


def old_element(send: Send, wait: Wait, body: dict[str, Any]) -> dict[str, Any]:
    element = send(
        "POST",
        "/v1/general/custom-elements",
        {
            "element_name": "setup",
            "element_description": "made for a test",
            "element_frontal_image": "https://example.com/front.png",
            "element_refer_list": [{"image_url": "https://example.com/refer.png"}],
        },
    )
    element_id = element["element_id"]
    return {
        "element_id": element_id if isinstance(body.get("element_id"), int) else str(element_id)
    }


def session(send: Send, wait: Wait, body: dict[str, Any]) -> dict[str, Any]:
    """A fresh selection session; a frame index past the session's video is moved into it."""
    init = send(
        "POST",
        "/v1/videos/multi-elements/init-selection",
        {"video_url": "https://example.com/source.mp4"},
    )
    fields: dict[str, Any] = {"session_id": init["session_id"]}
    frame, total = body.get("frame_index"), init.get("total_frame")
    # JSON Schema counts 150.0 as an integer too.
    if (
        isinstance(frame, int | float)
        and not isinstance(frame, bool)
        and float(frame).is_integer()
        and isinstance(total, int)
        and int(frame) >= total
    ):
        fields["frame_index"] = int(frame) % total
    return fields


def session_with_points(send: Send, wait: Wait, body: dict[str, Any]) -> dict[str, Any]:
    fields = session(send, wait, body)
    # Mark the same points first so deleting them is legal; if the points are themselves
    # invalid this add is refused too, and the delete is judged on its own.
    with contextlib.suppress(SetupRefused):
        send(
            "POST",
            "/v1/videos/multi-elements/add-selection",
            {
                "session_id": fields["session_id"],
                "frame_index": fields.get("frame_index", body.get("frame_index")),
                "points": body.get("points"),
            },
        )
    return fields


SETUPS: dict[str, Setup] = {
    "delete-voices": custom_voice,
    "delete-elements": old_element,
    "multi-elements-add-selection": session,
    "multi-elements-clear-selection": session,
    "multi-elements-preview-selection": session,
    "multi-elements-delete-selection": session_with_points,
}


def prepare(
    endpoint: str,
    body: Any,
    send: Send,
    wait: Wait,
    *,
    keep: str = "",
    refs: Sequence[tuple[tuple[str, ...], dict[str, Any]]] = (),
    objects: Objects | None = None,
) -> Any:
    """``body`` with the fields its endpoint's setup provides, and real objects for the ids it
    names (``refs``, where the target checks references; made by ``objects``, which reuses
    them, or by a fresh ``Objects``), except the one being judged."""
    if not isinstance(body, dict):
        return body
    if refs:
        if objects is None:
            objects = default_objects(send, wait, lambda: int(time.time() * 1000))
        body = objects.fill(body, refs, keep=keep)
    setup = SETUPS.get(endpoint)
    if setup is None:
        return body
    fields = setup(send, wait, body)
    return {
        **body,
        **{k: v for k, v in fields.items() if k in body and not (keep and keep.startswith(k))},
    }


__all__ = ["SETUPS", "SetupRefused", "prepare"]
