"""/openapi.json is a valid OpenAPI 3.1 document covering every operation, usable by tools."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from mock_server.backend import Backend

pytestmark = pytest.mark.anyio


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json", headers={"Authorization": ""})
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


async def test_document_validates_as_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)


async def test_every_operation_is_documented(document: dict[str, Any], backend: Backend) -> None:
    documented = {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if not path.startswith("/__mock/")
    }
    assert documented == {(path, op.method) for op in backend.registry for path in op.paths}
    control = [
        op
        for p, item in document["paths"].items()
        if p.startswith("/__mock/")
        for op in item.values()
    ]
    assert control and all(op["tags"] == ["kling-mock control"] for op in control)
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


async def test_every_ref_is_local_and_resolves(document: dict[str, Any]) -> None:
    def refs(node: Any) -> Any:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for item in node:
                yield from refs(item)

    for ref in refs(document):
        assert ref.startswith("#/"), ref
        node: Any = document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]


async def test_account_costs_has_no_v1_prefix(document: dict[str, Any]) -> None:
    assert "/account/costs" in document["paths"]
    params = {p["name"]: p for p in document["paths"]["/account/costs"]["get"]["parameters"]}
    assert params["start_time"]["required"] and params["end_time"]["required"]
