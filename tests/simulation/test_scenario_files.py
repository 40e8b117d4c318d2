"""Scenario files (--scenario): what a good one looks like, and every error naming the file,
the line and the field; the setting at start-up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mock_server import Settings, create_app
from mock_server.simulation.scenarios import (
    Known,
    ScenarioError,
    check_rules,
    line_of,
    load,
    parse,
)
from mock_server.spec.loader import SpecError
from mock_server.spec.registry import Registry
from tests.simulation.fault_helpers import GOOD, write

pytestmark = pytest.mark.anyio
# -- scenario files and their errors ---------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"rules": [', '"rules": [,', ":3: invalid JSON: Expecting value (column 13)"),
        ("0.5}", "0.5}}", ":7: invalid JSON: Expecting ',' delimiter (column 15)"),
        ("0.5", "2", ":6: rules[0].when.probability: 2 is greater than the maximum of 1"),
        ("1303}", '1303, "http": 1}', ":7: rules[0].effect.error: unknown field 'http' (known: "),
        (
            '"error"',
            '"explode"',
            ":7: rules[0].effect: unknown effect 'explode' (known: callback, ",
        ),
        ('"when"', '"if"', ":6: rules[0]: unknown field 'if' (known: description, effect, id, "),
        ('"endpoint"', '"route"', ":5: rules[0].match: unknown match key 'route' (known: "),
        ("1303", "1234", ":7: rules[0].effect.error.code: 1234 is not a Kling error code (1000, "),
        ("1303", '"1303"', ":7: rules[0].effect.error.code: '1303' is not of type 'integer'"),
        ('"effect"', '"effects"', ":7: rules[0]: unknown field 'effects'"),
        (
            '"description": "demo",',
            '"description": 5,',
            ":2: description: 5 is not of type 'string'",
        ),
        (
            '"code": 1303}',
            '"code": 1303}, "malformed_body": "html"',
            ":7: rules[0].effect: error and malformed_body exclude one another",
        ),
    ],
)
def test_a_bad_file_names_itself_the_line_and_the_field(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ScenarioError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}{expected}"), str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            {"match": {"endpoint": "text2vid"}},
            "match.endpoint: unknown endpoint 'text2vid' (did you mean 'text2video'?)",
        ),
        ({"match": {"family": "sound"}}, "match.family: unknown family 'sound' (known: audio, "),
        (
            {"effect": {"latency_ms": {"min": 5, "max": 1}}},
            "effect.latency_ms: min must not be above max",
        ),
        ({"effect": {"drop_connection": False}}, "effect.drop_connection: True was expected"),
        ({"effect": {}}, "effect: {} should be non-empty"),
        (
            {"effect": {"callback": {"drop": "yes"}}},
            "effect.callback.drop: 'yes' is not of type 'boolean'",
        ),
        ({"effect": {"error": {"code": 0}}}, "effect.error.code: 0 is not a Kling error code"),
        (
            {"match": {"body": {"p": {"contains": 1}}}},
            "match.body.p.contains: 1 is not of type 'string'",
        ),
        ({"match": {"method": "get"}}, "match.method: 'get' is not one of "),
        ({"when": {"every": 0}}, "when.every: 0 is less than the minimum of 1"),
        ({"id": "two words"}, "id: 'two words' does not match "),
    ],
)
def test_what_only_the_code_can_check_is_reported_like_the_schema(
    rule: dict[str, Any], expected: str, backend: Any
) -> None:
    body = {"effect": {"error": {"code": 5000}}, **rule}
    with pytest.raises(ScenarioError) as caught:
        check_rules(body, Known.of(backend.registry))
    assert str(caught.value).startswith(expected), str(caught.value)


def test_rules_are_checked_as_one_rule_or_a_list() -> None:
    rule = {"effect": {"error": {"code": 5000}}}
    assert check_rules(rule, None) == [rule]
    assert check_rules({"rules": [rule, rule]}, None) == [rule, rule]
    with pytest.raises(ScenarioError, match=r"^rules\[1\]\.effect: 'x' is not of type 'object'"):
        check_rules({"rules": [rule, {"effect": "x"}]}, None)
    with pytest.raises(ScenarioError, match=r"^'effect' is a required property"):
        check_rules({}, None)


def test_a_repeated_id_names_the_first(tmp_path: Path) -> None:
    rule = {"id": "same", "effect": {"latency_ms": 1}}
    text = json.dumps({"rules": [rule, rule]}, indent=2)
    with pytest.raises(
        ScenarioError, match=r":10: rules\[1\]\.id: 'same' is already the id of rules\[0\]$"
    ):
        parse(text, "f.json", "f")


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "cannot read the scenario file"), (b"\xff\xfe{", "not UTF-8 text")],
)
def test_an_unreadable_file_is_named(tmp_path: Path, content: bytes | None, expected: str) -> None:
    path = tmp_path / "s.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ScenarioError, match=f"^{path}: {expected}"):
        load(path)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load(path).name == "bom" and len(load(path).rules) == 1


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ((), 1),
        (("a",), 2),
        (("a", 1), 4),
        (("a", 1, 'k"ey'), 5),
        (("b",), 8),
        (("b", "c", "d"), 9),
        (("b", "c", "missing"), 9),
        (("z",), 1),
    ],
)
def test_line_of_finds_the_value_at_a_path(path: tuple[str | int, ...], line: int) -> None:
    text = (
        '{\n  "a": [\n    1,\n    {\n      "k\\"ey": "x, ]}",\n      "b": 2}\n  ],\n'
        '  "b": {\n    "c": {"d": [null, true]}}\n}'
    )
    assert json.loads(text)["a"][1]['k"ey'] == "x, ]}"
    assert line_of(text, path) == line


# -- --scenario, at start-up -----------------------------------------------------------------


def test_the_scenario_setting_is_checked_with_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("0.5", "-1"))
    with pytest.raises(ValueError, match=f"scenario {path}:6: rules\\[0\\].when.probability: "):
        Settings(scenario=path).check()
    with pytest.raises(ValueError, match="cannot read the scenario file"):
        Settings(scenario=tmp_path / "missing.json").check()


def test_the_scenario_comes_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    settings = Settings.from_env({"KLING_MOCK_SCENARIO": str(path)})
    assert settings.scenario == path
    rules = create_app(settings).state.backend.faults.describe()
    assert [(r["id"], r["source"], r["scenario"]) for r in rules] == [
        ("faults-1", "startup", "faults")
    ]


def test_names_only_the_manifest_knows_are_checked_at_start(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('"text2video"', '"text2vdeo"'))
    Settings(scenario=path).check()  # no registry yet: the schema alone
    with pytest.raises(
        SpecError, match=f"cannot start: {path}:5: rules\\[0\\].match.endpoint: unknown"
    ):
        create_app(Settings(scenario=path))


def test_known_names_come_from_the_manifest(backend: Any) -> None:
    registry: Registry = backend.registry
    known = Known.of(registry)
    assert "text2video" in known.endpoints and {"video", "image", "audio"} <= known.families
