"""State some synchronous examples act on: a finished custom voice, an element, a session.

Each setup makes the state through the API itself and returns the fields to put in the body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from mock_server import ManualClock

Setup = Callable[[httpx.AsyncClient, ManualClock, dict[str, Any]], Awaitable[dict[str, Any]]]


def _data(response: httpx.Response) -> Any:
    assert response.json()["code"] == 0, response.text
    return response.json()["data"]


async def custom_voice(
    client: httpx.AsyncClient, clock: ManualClock, body: dict[str, Any]
) -> dict[str, Any]:
    created = _data(
        await client.post(
            "/v1/general/custom-voices",
            json={"voice_name": "setup voice", "voice_url": "https://example.com/voice.mp3"},
        )
    )
    clock.advance(60)
    task = _data(await client.get(f"/v1/general/custom-voices/{created['task_id']}"))
    return {"voice_id": task["task_result"]["voices"][0]["voice_id"]}


async def old_element(
    client: httpx.AsyncClient, clock: ManualClock, body: dict[str, Any]
) -> dict[str, Any]:
    element = _data(
        await client.post(
            "/v1/general/custom-elements",
            json={
                "element_name": "setup",
                "element_description": "made for a test",
                "element_frontal_image": "https://example.com/front.png",
                "element_refer_list": [{"image_url": "https://example.com/refer.png"}],
            },
        )
    )
    element_id = element["element_id"]
    return {
        "element_id": element_id if isinstance(body.get("element_id"), int) else str(element_id)
    }


async def session(
    client: httpx.AsyncClient, clock: ManualClock, body: dict[str, Any]
) -> dict[str, Any]:
    init = _data(
        await client.post(
            "/v1/videos/multi-elements/init-selection",
            json={"video_url": "https://example.com/source.mp4"},
        )
    )
    return {"session_id": init["session_id"]}


async def session_with_points(
    client: httpx.AsyncClient, clock: ManualClock, body: dict[str, Any]
) -> dict[str, Any]:
    fields = await session(client, clock, body)
    # Mark the same points first, so deleting them is legal; for a case whose points are
    # themselves invalid this add is refused too, and the delete is then judged on its own.
    await client.post(
        "/v1/videos/multi-elements/add-selection",
        json={**fields, "frame_index": body.get("frame_index"), "points": body.get("points")},
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
