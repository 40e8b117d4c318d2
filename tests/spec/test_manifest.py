"""The manifest and the schemas hold together: every entry resolves, every schema is used,
every kind, result and responder has code behind it, every rule name exists."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mock_server.examples import endpoints_with_examples
from mock_server.http.endpoints import BY_ACTION
from mock_server.paths import FIXTURES_DIR, SCHEMAS_DIR
from mock_server.responders import RESPONDERS
from mock_server.results.builder import BUILDERS
from mock_server.spec.loader import load_spec
from mock_server.spec.registry import Registry
from mock_server.validation.rules import RULES

SPEC = load_spec()
REGISTRY = Registry(SPEC)


def walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


@pytest.mark.parametrize("rel", sorted(SPEC.schemas))
def test_every_schema_is_valid_2020_12(rel: str) -> None:
    Draft202012Validator.check_schema(SPEC.schemas[rel])
    raw = json.loads((SCHEMAS_DIR / rel).read_text())
    assert raw["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_schema_file_is_used() -> None:
    used = set()
    for ep in REGISTRY.endpoints.values():
        used |= {ep.request, ep.response, f"results/{ep.result}.json" if ep.result else None}
    frontier = [r for r in used if r]
    seen: set[str] = set()
    while frontier:
        rel = frontier.pop()
        if rel in seen:
            continue
        seen.add(rel)
        for node in walk(SPEC.schemas[rel]):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                base = rel.rsplit("/", 1)[0]
                target = ref.split("#")[0]
                parts = f"{base}/{target}".split("/")
                stack: list[str] = []
                for part in parts:
                    if part == "..":
                        stack.pop()
                    elif part != ".":
                        stack.append(part)
                frontier.append("/".join(stack))
    shared = {
        "common/envelope.json",
        "common/error.json",
        "common/callback.json",
        "common/list.json",
        "common/create_data.json",
        "common/task.json",
        "common/page_query.json",
        "model-path/common/create_data.json",
        "model-path/common/task.json",
    }
    config = {rel for rel in SPEC.schemas if rel.startswith("config/")}  # the fake's own files
    unused = set(SPEC.schemas) - seen - shared - config
    assert not unused, f"schemas nothing refers to: {sorted(unused)}"


def test_ids_are_unique_and_routes_distinct() -> None:
    ids = [e["id"] for e in SPEC.manifest["endpoints"]]
    assert len(ids) == len(set(ids))
    routes = [(op.method, op.path) for op in REGISTRY]
    assert len(routes) == len(set(routes))


def test_every_entry_has_code_behind_it() -> None:
    for ep in REGISTRY.endpoints.values():
        assert "rate" in ep.units or "cases" in ep.units, f"{ep.id}: no price rule"
        if ep.kind == "task":
            assert ep.result in BUILDERS, ep.id
            assert f"results/{ep.result}.json" in SPEC.schemas, ep.id
            assert ep.request in SPEC.schemas, ep.id
        else:
            assert ep.responder in RESPONDERS, ep.id
        if ep.catalog and not ep.catalog.startswith("account:"):
            assert (FIXTURES_DIR / ep.catalog).is_file(), ep.id
    assert {op.action for op in REGISTRY} <= set(BY_ACTION)


def test_every_builder_and_responder_is_used() -> None:
    results = {ep.result for ep in REGISTRY.endpoints.values()}
    responders = {ep.responder for ep in REGISTRY.endpoints.values()}
    assert set(BUILDERS) <= results
    assert set(RESPONDERS) <= responders


def test_every_endpoint_has_recorded_examples() -> None:
    assert set(endpoints_with_examples()) == set(REGISTRY.endpoints)


def test_every_rule_and_code_override_is_known() -> None:
    from mock_server.errors import error_table

    for rel, schema in SPEC.schemas.items():
        for node in walk(schema):
            for rule in node.get("x-kling-rule", []):
                assert rule["rule"] in RULES, (rel, rule)
            if "x-kling-code" in node:
                assert node["x-kling-code"] in error_table(), rel


def test_static_paths_are_routed_before_templated_ones() -> None:
    ops = list(REGISTRY)
    first_templated = next(i for i, op in enumerate(ops) if op.templated)
    assert all(op.templated for op in ops[first_templated:])
    assert not REGISTRY.endpoints["multi-elements-init-selection"].path.endswith("}")


def test_duplicate_endpoint_ids_are_refused() -> None:
    entries = SPEC.manifest["endpoints"]
    spec = type(SPEC)(
        schemas=SPEC.schemas,
        registry=SPEC.registry,
        manifest={"endpoints": [entries[0], entries[0]]},
        failure_rules={},
    )
    with pytest.raises(ValueError, match="appears twice"):
        Registry(spec)
