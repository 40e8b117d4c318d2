"""Forgiving paths: repeated and trailing slashes reach the canonical route (no redirect), and
a manifest alias is a second route to the same operation, listed in /openapi.json."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest

from mock_server.backend import Backend
from mock_server.http.slashes import canonical_path
from tests.conftest import BASE_URL, ok

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("//v1//videos/text2video", "/v1/videos/text2video"),
        ("/v1/videos/text2video/", "/v1/videos/text2video"),
        ("///v1/videos///text2video//", "/v1/videos/text2video"),
        ("/", "/"),
        ("//", "/"),
    ],
)
def test_canonical_path(raw: str, canonical: str) -> None:
    assert canonical_path(raw) == canonical


@pytest.mark.parametrize(
    "path", ["//v1//videos/text2video", "/v1/videos/text2video/", "/v1/videos//text2video//"]
)
async def test_sloppy_paths_create_and_query_like_the_canonical_one(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(BASE_URL + path, json={"prompt": "a fox"})
    assert response.status_code == 200, response.text  # served, not redirected
    task_id = response.json()["data"]["task_id"]
    assert ok(await client.get(f"{BASE_URL}{path}/{task_id}/"))["task_id"] == task_id
    assert [t["task_id"] for t in ok(await client.get(BASE_URL + path))] == [task_id]
    assert ok(await client.get("/v1/videos/text2video"))[0]["task_id"] == task_id


async def test_an_unknown_path_stays_unknown_with_a_trailing_slash(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/videos/nothing/", json={})
    assert response.status_code == 404 and response.json()["code"] == 1202


async def test_identify_face_answers_under_its_2025_spelling(client: httpx.AsyncClient) -> None:
    body = {"video_url": "https://e.com/v.mp4"}
    data = ok(await client.post("/v1/videos/Identify-face", json=body))
    assert data["session_id"] and data["face_data"]


async def test_aliases_are_in_the_openapi_document(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    paths: dict[str, Any] = (await client.get("/openapi.json")).json()["paths"]
    canonical = paths["/v1/general/delete-elements"]["post"]
    alias = paths["/v1/general/delete-advanced-elements"]["post"]
    assert alias["x-kling-alias-of"] == "/v1/general/delete-elements"
    assert alias["operationId"] == "delete-elements.call@/v1/general/delete-advanced-elements"
    assert alias["requestBody"] == canonical["requestBody"]
    assert paths["/v1/videos/Identify-face"]["post"]["x-kling-alias-of"] == (
        "/v1/videos/identify-face"
    )
    ops = {op.op_id: op for op in backend.registry}
    assert ops["delete-elements.call"].aliases == ("/v1/general/delete-advanced-elements",)


def test_an_alias_of_a_task_endpoint_covers_its_query_path_too(backend: Backend) -> None:
    ops = {op.op_id: op for op in backend.registry}
    get = ops["text2video.get"]
    endpoint = dataclasses.replace(get.endpoint, aliases=("/v1/videos/t2v",))
    assert dataclasses.replace(get, endpoint=endpoint).paths == (
        "/v1/videos/text2video/{id}",
        "/v1/videos/t2v/{id}",
    )
