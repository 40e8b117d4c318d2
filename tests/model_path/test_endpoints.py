"""Every model-path create, from its recorded minimal and maximal bodies, through ``/tasks``:
``submitted -> processing -> succeeded`` in order, the task object matches its schema, every
output URL downloads real media as long as the output says (and as ``settings.duration`` asks),
billing equals the endpoint's price rule; a failure marker ends in ``failed`` with its reason."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from mock_server import ManualClock, Settings, create_app
from mock_server.backend import Backend
from mock_server.examples import first_valid
from tests.conftest import BASE_URL, ok
from tests.results.lengths import length

pytestmark = pytest.mark.anyio
KEY = {"Authorization": "Bearer mock-api-key"}
ORDER = {"submitted": 0, "processing": 1, "succeeded": 2}


def model_path_endpoints() -> list[str]:
    endpoints = create_app(Settings(clock="manual")).state.backend.registry.endpoints.values()
    return [e.id for e in endpoints if e.kind == "task" and not e.queried_per_endpoint]


async def walk(
    client: httpx.AsyncClient, clock: ManualClock, path: str, body: dict[str, Any]
) -> list[dict[str, Any]]:
    created = ok(await client.post(path, json=body, headers=KEY))
    seen: list[dict[str, Any]] = []
    for _ in range(200):
        (task,) = ok(await client.get("/tasks", params={"task_ids": created["id"]}, headers=KEY))
        seen.append(task)
        if task["status"] in ("succeeded", "failed"):
            break
        clock.advance(1)
    return seen


def _schema_errors(backend: Backend, instance: Any) -> list[str]:
    spec = backend.registry.spec
    schema = {"$ref": spec.uri("model-path/common/task.json")}
    validator = Draft202012Validator(schema, registry=spec.registry)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(instance)]


@pytest.mark.parametrize("kind", ["minimal", "maximal"])
@pytest.mark.parametrize("endpoint", model_path_endpoints())
async def test_each_model_reaches_succeeded_with_media_of_the_asked_length(
    client: httpx.AsyncClient, clock: ManualClock, backend: Backend, endpoint: str, kind: str
) -> None:
    ep = backend.registry.endpoints[endpoint]
    body = first_valid(endpoint, kind)
    seen = await walk(client, clock, ep.path, body)
    statuses = [t["status"] for t in seen]
    assert statuses[0] == "submitted" and statuses[-1] == "succeeded", statuses
    assert "processing" in statuses
    assert [ORDER[s] for s in statuses] == sorted(ORDER[s] for s in statuses)
    assert all(a["update_time"] <= b["update_time"] for a, b in itertools.pairwise(seen))
    for task in seen:
        assert not _schema_errors(backend, task), _schema_errors(backend, task)
    assert all(t["outputs"] == [] and t["billing"] == [] for t in seen[:-1])
    final = seen[-1]
    (video,) = final["outputs"]
    # as long as asked (motion control has no duration: the fake's clip is the default 5 s)
    asked = (body.get("settings") or {}).get("duration", 5)
    assert float(video["duration"]) == pytest.approx(float(asked) + 0.1)
    watermark = ((body.get("options") or {}).get("watermark_info") or {}).get("enabled") is True
    assert ("watermark_url" in video) == watermark
    for url in [video["url"], *([video["watermark_url"]] if watermark else [])]:
        assert url.startswith(BASE_URL + "/media/")
        media = await client.get(url)
        assert media.headers["content-type"] == "video/mp4"
        assert length(media.content, "video/mp4") == pytest.approx(
            float(video["duration"]), abs=0.05
        )
    effective = backend.validate(
        next(op for op in backend.registry if op.op_id == f"{endpoint}.create"), body
    )
    units = backend.pricing.units(endpoint, effective, lambda kind, key: None)
    assert final["billing"] == [{"charge_type": "unit", "amount": units, "package_type": "video"}]


@pytest.mark.parametrize("endpoint", model_path_endpoints())
async def test_a_failure_marker_ends_each_model_in_failed(
    client: httpx.AsyncClient, clock: ManualClock, backend: Backend, endpoint: str
) -> None:
    body = first_valid(endpoint)
    body = {
        **body,
        "options": {**(body.get("options") or {}), "external_task_id": "kling-mock:fail"},
    }
    final = (await walk(client, clock, backend.registry.endpoints[endpoint].path, body))[-1]
    assert final["status"] == "failed"
    assert final["message"] == "Failure to pass the risk control system"
    assert final["outputs"] == [] and final["billing"] == []
