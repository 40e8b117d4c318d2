"""The error walk that skips what jsonschema-rs judges valid (validation/pruning.py) chooses
and words the same error as the full walk, for every endpoint and mode: recorded examples and
hypothesis mutations of them (the strategy of test_fast_path.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.errors import KlingError
from mock_server.spec.loader import load_spec
from mock_server.validation.fast import FastValidators
from mock_server.validation.pruning import Subschemas
from mock_server.validation.validator import RequestValidator, compile_validators
from tests.validation.test_fast_path import CASES, MODES, REGISTRY, VALIDATORS, _op_id, mutated

FULL = {
    mode: compile_validators(
        REGISTRY, strict=mode[0], live=mode[1], max_string_chars=40, prune_errors=False
    )
    for mode in MODES
}


def _answer(validator: RequestValidator, body: Any) -> tuple[int, str] | None:
    try:
        validator.validate(body)
    except KlingError as exc:
        return exc.code, exc.message
    return None


@pytest.mark.parametrize("mode", MODES, ids=lambda m: f"strict={m[0]},live={m[1]}")
def test_same_answer_on_recorded_examples(mode: tuple[bool, bool]) -> None:
    refused, differ = 0, []
    for case in CASES:
        op_id = _op_id(case.endpoint)
        if op_id is None:
            continue
        pruned = _answer(VALIDATORS[mode][op_id], case.body)
        full = _answer(FULL[mode][op_id], case.body)
        refused += pruned is not None
        if pruned != full:
            differ.append(f"{case.id}: pruned {pruned}, full {full}")
    assert refused > 300  # the invalid examples are refused, so messages were compared
    assert not differ, "\n".join(differ)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated(), st.sampled_from(MODES))
def test_same_answer_on_mutations(sample: tuple[str, Any], mode: tuple[bool, bool]) -> None:
    endpoint, body = sample
    op_id = _op_id(endpoint)
    if op_id is None:
        return
    assert _answer(VALIDATORS[mode][op_id], body) == _answer(FULL[mode][op_id], body)


SPEC = load_spec()


def _subschemas() -> Subschemas:
    spec = SPEC
    fast = FastValidators(
        spec.registry,
        [spec.uri(rel) for rel in spec.schemas],
        strict=False,
        live=False,
        max_chars=40,
    )
    return fast.subschemas()


def _file(rel: str) -> Any:
    spec = SPEC
    return spec.registry.contents(spec.uri(rel))


def test_a_subschema_is_judged_where_it_sits_in_its_file() -> None:
    subschemas = _subschemas()
    text2video = _file("requests/text2video.json")
    prompt = text2video["properties"]["prompt"]
    assert subschemas.valid(prompt, "a fox") is True
    assert subschemas.valid(prompt, 5) is False
    assert subschemas.valid(prompt, "x" * 2501) is False  # its own maxLength, from its $ref
    # the generic string cap (40 here), settled into a field that states no limit
    callback_url = text2video["properties"]["callback_url"]
    assert subschemas.valid(callback_url, "http://a/" + "b" * 30) is True
    assert subschemas.valid(callback_url, "http://a/" + "b" * 40) is False
    # a node that is not part of a file (a query schema built in code) is never judged
    assert subschemas.valid({"type": "string"}, "a fox") is None
    # nor what the compiled check cannot read
    assert subschemas.valid(prompt, "\ud800") is None


def test_the_error_walk_skips_valid_subschemas(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same message, from fewer subschemas entered in Python."""
    op_id = _op_id("text2video")
    assert op_id is not None
    body = {"prompt": "a red fox", "duration": "7", "mode": "std", "aspect_ratio": "16:9"}
    entered: dict[str, int] = {}
    for name, validators in (("pruned", VALIDATORS), ("full", FULL)):
        cls = type(validators[(False, False)][op_id]._validator)
        original = cls.descend

        def counting(self: Any, *args: Any, _o: Any = original, _n: str = name, **kw: Any) -> Any:
            entered[_n] = entered.get(_n, 0) + 1
            return _o(self, *args, **kw)

        monkeypatch.setattr(cls, "descend", counting)
    pruned = _answer(VALIDATORS[(False, False)][op_id], body)
    full = _answer(FULL[(False, False)][op_id], body)
    assert pruned is not None and pruned == full
    assert 0 < entered["pruned"] < entered["full"] / 2, entered
