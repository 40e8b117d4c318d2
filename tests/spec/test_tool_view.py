"""The tool view of /openapi.json (spec/tool_view.py) tells the truth about request bodies.

In every mode it must accept what the fake accepts and refuse what it refuses. Judged on the
recorded examples of the endpoints whose schemas the view rewrites most (rules as cases,
lenient conversions, strict closing) and on variants of each: every field dropped, null, in
another scalar form, and each enumerated field at each of its values. The fake's verdict is its
validator's, ``x-kling-rule`` errors aside (no schema states them). One slack is allowed, and
only in lenient mode: a body the view refuses in the form it was sent (a number for a string
with a pattern, ...) while the fake's reading of it (converted, validation/coercion.py) is one
the view accepts (README "Generic tools against the fake").
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest

from mock_server import Settings, create_app
from mock_server.app import openapi_document
from mock_server.examples import load
from mock_server.spec import tool_view
from mock_server.spec.openapi import build_openapi

# the split endpoints in every mode; a rule on a nested field (lenient mode's null and
# conversions inside rules) for the model-path design and the legacy one
CASES = [
    *(
        (endpoint, mode)
        for endpoint in ("image2video", "omni-video")
        for mode in ("live", "documented", "strict")
    ),
    ("text-to-video-kling-2-6", "live"),
    ("effects", "live"),
]
MODES = {
    "live": Settings(),
    "documented": Settings(errors="documented"),
    "strict": Settings(strict=True),
}


def _other_forms(value: Any) -> list[Any]:
    """Other scalars a client might send for ``value`` (lenient mode converts some)."""
    if isinstance(value, bool):
        return [str(value).lower()]
    if isinstance(value, int | float):
        return [str(value)]
    if not isinstance(value, str):
        return []
    forms: list[Any] = [12345, True] if not value.lstrip("-").replace(".", "", 1).isdigit() else []
    if value.lstrip("-").isdigit():
        forms.append(int(value))
    elif value.lstrip("-").replace(".", "", 1).isdigit():
        forms.append(float(value))
    return forms


def _changed(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``body`` with one field dropped, null, or in another form."""
    for key, value in body.items():
        yield {k: v for k, v in body.items() if k != key}
        yield {**body, key: None}
        yield from ({**body, key: form} for form in _other_forms(value))


def _variants(body: dict[str, Any], enums: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
    yield body
    yield from _changed(body)
    for key, value in body.items():
        if isinstance(value, dict):
            yield from ({**body, key: inner} for inner in _changed(value))
    for key, values in enums.items():
        yield from ({**body, key: value} for value in values)


def _base64(value: Any) -> bool:
    """An image sent as Base64: the view describes image inputs as URLs only."""
    if isinstance(value, dict):
        return any(_base64(v) for v in value.values())
    if isinstance(value, list):
        return any(_base64(v) for v in value)
    return isinstance(value, str) and len(value) > 200 and not value.startswith("http")


def _corpus(endpoint: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    properties = schema.get("properties") or {}
    enums = {k: p["enum"] for k, p in properties.items() if isinstance(p.get("enum"), list)}
    valid = [c.body for c in load(endpoint, "valid") if not _base64(c.body)]
    bodies = [c.body for g in ("invalid", "strict_invalid") for c in load(endpoint, g)]
    bodies += [b for i, body in enumerate(valid) for b in _variants(body, enums if i < 2 else {})]
    unique = {json.dumps(b, sort_keys=True): b for b in bodies if isinstance(b, dict)}
    return [b for b in unique.values() if not _base64(b)]


def _view(document: dict[str, Any], path: str) -> Any:
    """A compiled check of the body schema of ``POST path`` in ``document``."""
    item = document["paths"][path]["post"]
    ref = item["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    registry = jsonschema_rs.Registry([("urn:doc", document)])
    return jsonschema_rs.Draft202012Validator({"$ref": f"urn:doc{ref}"}, registry=registry)


@functools.cache
def _app(mode: str) -> Any:
    """One app per mode, its /openapi.json built once (a build takes a while)."""
    app = create_app(MODES[mode])
    openapi_document(app)
    return app


def _create(app: Any, endpoint: str) -> Any:
    return next(
        op
        for op in app.state.backend.registry
        if op.endpoint.id == endpoint and op.method == "POST"
    )


def _takes(fake: Any, body: dict[str, Any]) -> bool:
    """The fake's verdict, x-kling-rule errors aside."""
    return not [e for e in fake.errors(body) if e.validator != "x-kling-rule"]


@pytest.mark.parametrize(("endpoint", "mode"), CASES)
def test_the_view_accepts_what_the_fake_accepts(endpoint: str, mode: str) -> None:
    settings = MODES[mode]
    app = _app(mode)
    op = _create(app, endpoint)
    fake = app.state.backend.validators[op.op_id]
    view = _view(openapi_document(app), op.path)
    spec = app.state.backend.registry.spec
    wrong = []
    for body in _corpus(endpoint, spec.schema(op.endpoint.request)):
        takes = _takes(fake, body)
        if view.is_valid(body) == takes:
            continue
        if takes and not settings.strict and view.is_valid(fake.prepare(body)):
            continue  # a lenient form the document cannot state
        wrong.append(f"fake {'accepts' if takes else 'refuses'}: {json.dumps(body)[:300]}")
    assert not wrong, "\n".join(wrong[:10])


def test_rules_as_cases_change_no_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    """spec/cases.py is a partial evaluation: with and without it the view judges alike (lenient
    mode, where the test above allows some slack)."""
    settings = MODES["live"]
    app = _app("live")
    source = build_openapi(app.state.backend.registry, version="test")
    live = settings.errors == "live"
    split = openapi_document(app)
    monkeypatch.setattr(tool_view, "_split", lambda body: None)
    whole = tool_view.for_tools(source, strict=settings.strict, live=live)
    for endpoint in ("image2video", "omni-video"):
        op = _create(app, endpoint)
        assert "oneOf" in split["components"]["schemas"][f"requests.{endpoint}"]
        cases, rules = _view(split, op.path), _view(whole, op.path)
        for body in _corpus(endpoint, app.state.backend.registry.spec.schema(op.endpoint.request)):
            assert cases.is_valid(body) == rules.is_valid(body), json.dumps(body)[:300]


URL = "https://example.com/a.png"
I2V = {"image": URL, "prompt": "The girl smiles"}  # a prompt: strict mode requires one
# (body for POST /v1/videos/image2video, the modes whose document accepts it)
BY_MODE = [
    (I2V, {"live", "documented", "strict"}),
    ({**I2V, "model_name": "kling-v1"}, {"documented"}),  # x-kling-live: discontinued
    ({**I2V, "duration": 5}, {"live", "documented"}),  # lenient: 5 -> "5"
    ({**I2V, "mode": None}, {"live", "documented"}),  # lenient: null is not given
    ({**I2V, "client_tag": "x"}, {"live", "documented"}),  # strict: undeclared field
    ({**I2V, "multi_shot": "false"}, {"live", "documented"}),  # x-kling-strict: boolean
]


@pytest.mark.parametrize(("body", "modes"), BY_MODE)
def test_each_mode_states_its_own_rules(body: dict[str, Any], modes: set[str]) -> None:
    """x-kling-live only with --errors live, x-kling-strict and closed objects only with
    --strict, lenient conversions only without it."""
    for mode in MODES:
        view = _view(openapi_document(_app(mode)), "/v1/videos/image2video")
        assert view.is_valid(body) == (mode in modes), mode


@pytest.mark.parametrize("mode", MODES)
def test_strict_only_examples_are_refused_only_by_the_strict_document(mode: str) -> None:
    """Recorded bodies only --strict refuses; the lenient document may state some only in the
    form the fake reads them (a number for a patterned string: README)."""
    app = _app(mode)
    document = openapi_document(app)
    for endpoint in ("image2video", "omni-video", "text2video"):
        op = _create(app, endpoint)
        view, fake = _view(document, op.path), app.state.backend.validators[op.op_id]
        for case in (c for c in load(endpoint, "strict_invalid") if not _base64(c.body)):
            if mode == "strict":
                assert not view.is_valid(case.body), case.id
            else:
                assert view.is_valid(case.body) or view.is_valid(fake.prepare(case.body)), case.id
