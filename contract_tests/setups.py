"""State that some synchronous calls act on (a session, a finished custom voice, an element),
made through the API itself. Shared by the contract suite and the project's own tests."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Sequence
from typing import Any

from mock_server.validation.references import dotted, found_at

Send = Callable[[str, str, dict[str, Any]], Any]  # (method, path, body) -> data or raises
Wait = Callable[[float], None]
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


class SetupRefused(Exception):
    """The API refused a setup call (for example because the case's own values are invalid)."""


SETUPS: dict[str, Setup] = {
    "delete-voices": custom_voice,
    "delete-elements": old_element,
    "multi-elements-add-selection": session,
    "multi-elements-clear-selection": session,
    "multi-elements-preview-selection": session,
    "multi-elements-delete-selection": session_with_points,
}


def _task_result(send: Send, wait: Wait, path: str, body: dict[str, Any]) -> dict[str, Any]:
    created = send("POST", path, body)
    for _ in range(120):
        task = send("GET", f"{path}/{created['task_id']}", {})
        if task["task_status"] == "succeed":
            return dict(task["task_result"])
        wait(1)
    raise RuntimeError(f"setup: the task of {path} never finished")


def _video(send: Send, wait: Wait, seconds: str = "5") -> Any:
    body = {"prompt": "setup video", "duration": seconds}
    return _task_result(send, wait, "/v1/videos/text2video", body)["videos"][0]["id"]


def _multi_elements_session(send: Send, wait: Wait, body: dict[str, Any]) -> Any:
    """A session on a video as long as the edit's ``duration`` asks for."""
    video_id = _video(send, wait, "10" if str(body.get("duration")) == "10" else "5")
    return send("POST", "/v1/videos/multi-elements/init-selection", {"video_id": video_id})[
        "session_id"
    ]


# One way to make an object of each x-kling-ref kind through the API (the fake's own fixtures
# and the contract suite's valid bodies name made-up ids).
MAKERS: dict[str, Callable[[Send, Wait, dict[str, Any]], Any]] = {
    "video": lambda send, wait, body: _video(send, wait),
    "audio": lambda send, wait, body: send(
        "POST",
        "/v1/audio/tts",
        # About 30 s of speech at 4 characters a second: within every audio_id's bounds.
        {
            "text": "This is a setup voice line. " * 4 + "Done.",
            "voice_id": "oversea_male1",
            "voice_language": "en",
        },
    )["task_result"]["audios"][0]["id"],
    "element": lambda send, wait, body: old_element(send, wait, {})["element_id"],
    "voice": lambda send, wait, body: custom_voice(send, wait, {})["voice_id"],
    "lip-sync-session": lambda send, wait, body: send(
        "POST", "/v1/videos/identify-face", {"video_url": "https://example.com/face.mp4"}
    )["session_id"],
    "face": lambda send, wait, body: "0",  # identify-face's one face (responders/media_tools)
    "multi-elements-session": _multi_elements_session,
}


def _same_type(made: Any, sent: Any) -> Any:
    """The made id in the caller's type where it can be: numeric ids sent as numbers."""
    text = str(made)
    return int(text) if isinstance(sent, int) and text.isdigit() else text


def _set(body: Any, where: tuple[str | int, ...], value: Any) -> None:
    for part in where[:-1]:
        body = body[part]
    body[where[-1]] = value


def fill_references(
    body: dict[str, Any],
    refs: Sequence[tuple[tuple[str, ...], dict[str, Any]]],
    send: Send,
    wait: Wait,
    *,
    keep: str = "",
) -> dict[str, Any]:
    """``body`` with every referenced id (``x-kling-ref``) replaced by a real one of its kind,
    made once per kind, except the field being judged."""
    out: dict[str, Any] = copy.deepcopy(body)
    made: dict[str, Any] = {}
    for path, spec in refs:
        for where, value, _ in list(found_at(out, path)):
            if keep and dotted(where).startswith(keep):
                continue
            kind = str(spec["kind"])
            if kind not in made:
                made[kind] = MAKERS[kind](send, wait, out)
            _set(out, where, _same_type(made[kind], value))
    return out


def prepare(
    endpoint: str,
    body: Any,
    send: Send,
    wait: Wait,
    *,
    keep: str = "",
    refs: Sequence[tuple[tuple[str, ...], dict[str, Any]]] = (),
) -> Any:
    """``body`` with the fields its endpoint's setup provides, and real objects for the ids it
    names (``refs``, where the target checks references), except the one being judged."""
    if not isinstance(body, dict):
        return body
    if refs:
        body = fill_references(body, refs, send, wait, keep=keep)
    setup = SETUPS.get(endpoint)
    if setup is None:
        return body
    fields = setup(send, wait, body)
    return {
        **body,
        **{k: v for k, v in fields.items() if k in body and not (keep and keep.startswith(k))},
    }
