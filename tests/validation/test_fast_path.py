"""The compiled fast path (validation/fast.py) and jsonschema agree on validity, for every
endpoint and mode: the recorded examples and hypothesis mutations of them (values swapped for
other types, long strings, numbers at and beyond bounds, fields dropped or added)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.examples import all_cases
from mock_server.spec.loader import load_spec
from mock_server.spec.registry import Registry
from mock_server.validation.coercion import coerce
from mock_server.validation.numbers import HugeNumber
from mock_server.validation.validator import RequestValidator, compile_validators

REGISTRY = Registry(load_spec())
MODES = [(False, False), (False, True), (True, False), (True, True)]  # (strict, live)
VALIDATORS = {
    mode: compile_validators(REGISTRY, strict=mode[0], live=mode[1], max_string_chars=40)
    for mode in MODES
}
CASES = [c for group in ("valid", "invalid", "strict_invalid") for c in all_cases(group)]
SEEDS = [c for c in CASES if any(c.endpoint == ep.id for ep in REGISTRY.endpoints.values())]

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([0, 1, 2, 5, 9, 10, 15, 16, 2.5, 0.5, -1, 1e300, 3.0]),
    st.sampled_from(["", "5", "10", "true", "false", "5\n", "1.5", "x" * 41, "http://a/b.png"]),
    st.just("\ud800"),  # not Unicode: jsonschema-rs cannot read it, so jsonschema judges
    st.sampled_from(["kling-v1", "kling-v2-6", "std", "pro", "16:9", "1:1", "abc"]),
    st.text(max_size=50),
    st.just(HugeNumber("1e400")),
)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _leaves(item, (*path, index))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    case = draw(st.sampled_from(SEEDS))
    body = copy.deepcopy(case.body)
    for _ in range(draw(st.integers(0, 3))):
        paths = [p for p in _leaves(body) if p]
        action = draw(st.sampled_from(["set", "drop", "add"]))
        if not paths or action == "add":
            target = body
            nested = draw(st.booleans())
            if paths and nested:
                path = draw(st.sampled_from(paths))
                target = _at(body, path[:-1])
            if isinstance(target, dict):
                key = draw(st.sampled_from(["extra", "mode", "duration", "n", "model_name"]))
                target[key] = draw(SCALARS)
            continue
        path = draw(st.sampled_from(paths))
        parent = _at(body, path[:-1])
        if action == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict | list):
            parent[path[-1]] = draw(SCALARS)
    return case.endpoint, body


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


def _op_id(endpoint: str) -> str | None:
    """The operation an example is sent to (as in test_examples.send), if it takes input."""
    ep = REGISTRY.endpoints[endpoint]
    method = "POST" if ep.kind == "task" else ep.method
    for op in REGISTRY:
        if op.endpoint.id == ep.id and op.method == method and REGISTRY.input_schema(op):
            return op.op_id
    return None


def _verdicts(validator: RequestValidator, body: Any) -> tuple[bool, bool]:
    prepared = validator.prepare(body)
    slow = not validator._errors(prepared)
    assert validator.is_valid is not None
    fast = validator.is_valid(prepared) and not validator._limit_errors(prepared, schema_ok=True)
    return fast, slow


def test_every_request_schema_compiles() -> None:
    for validators in VALIDATORS.values():
        assert [name for name, v in validators.items() if v.is_valid is None] == []


@pytest.mark.parametrize("mode", MODES, ids=lambda m: f"strict={m[0]},live={m[1]}")
def test_fast_and_slow_agree_on_recorded_examples(mode: tuple[bool, bool]) -> None:
    """Every recorded example, one test per mode (thousands of test items would cost more in
    pytest's bookkeeping than the checks themselves)."""
    checked, disagree = 0, []
    for case in CASES:
        op_id = _op_id(case.endpoint)
        if op_id is None:
            continue
        fast, slow = _verdicts(VALIDATORS[mode][op_id], case.body)
        checked += 1
        if fast != slow:
            disagree.append(f"{case.id}: fast says {fast}, jsonschema says {slow}")
    assert checked > 700
    assert not disagree, "\n".join(disagree)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated(), st.sampled_from(MODES))
def test_fast_and_slow_agree_on_mutations(sample: tuple[str, Any], mode: tuple[bool, bool]) -> None:
    endpoint, body = sample
    op_id = _op_id(endpoint)
    if op_id is None:
        return
    validator = VALIDATORS[mode][op_id]
    fast, slow = _verdicts(validator, body)
    assert fast == slow, (endpoint, mode, body)
    # the cached coercion pass converts exactly as the reference one does
    assert validator.prepare(body) == (
        body if mode[0] else coerce(body, validator._schema, validator._resolver)
    )
