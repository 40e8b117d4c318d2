"""Scenario files: what each named scenario does, how a bad file is reported (file:line:
field: message), the --scenario option, the control routes and the CLI listing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server import Settings, create_app
from mock_server.callbacks.policy import CallbackEffect
from mock_server.cli import main
from mock_server.simulation.rules import FaultDecision
from mock_server.simulation.scenarios import (
    NAMED_DIR,
    Known,
    ScenarioError,
    check_rules,
    line_of,
    load,
    named,
    parse,
    problem,
)
from mock_server.spec.loader import SpecError
from mock_server.spec.registry import Registry
from tests.conftest import ok
from tests.paths import REPO_ROOT
from tests.simulation.fault_helpers import HEADER, IMG, T2V, behind_faults, error, fake

pytestmark = pytest.mark.anyio
REQUIRED = (
    "callbacks-lost",
    "content-moderation",
    "flaky-network",
    "maintenance",
    "overloaded",
    "pack-exhausted",
    "slow",
)


# -- the named scenarios ---------------------------------------------------------------------


def test_the_named_scenarios_are_shipped() -> None:
    assert set(REQUIRED) <= set(named())


@pytest.mark.parametrize("name", sorted(p.stem for p in NAMED_DIR.glob("*.json")))
def test_each_named_scenario_is_valid_described_and_named_after_its_file(
    name: str, backend: Any
) -> None:
    text = (NAMED_DIR / f"{name}.json").read_text(encoding="utf-8")
    assert problem(json.loads(text), Known.of(backend.registry)) is None
    scenario = named()[name]
    assert scenario.name == name and json.loads(text)["name"] == name
    assert len(scenario.description) > 60 and scenario.summary.endswith(".")
    assert all(rule.get("id") for rule in scenario.rules)


async def test_content_moderation_serves_creates_and_fails_their_tasks() -> None:
    async with behind_faults(scenario=NAMED_DIR / "content-moderation.json") as (f, seen):
        assert (await f.client.post(T2V, json={"prompt": "x"})).json() == {"served": True}
        await f.client.get(T2V)
        assert seen[0]["state"]["kling_fault"] == FaultDecision(
            "Failure to pass the risk control system", None, ("content-moderation",)
        )
        assert "state" not in seen[1]


async def test_callbacks_lost_drops_every_callback_of_created_tasks() -> None:
    async with behind_faults(scenario=NAMED_DIR / "callbacks-lost.json") as (f, seen):
        await f.client.post(IMG, json={"prompt": "x"})
        assert seen[0]["state"]["kling_fault"] == FaultDecision(
            None, CallbackEffect(drop=True), ("callbacks-lost",)
        )


async def test_overloaded_refuses_about_half_of_the_creates_with_1303() -> None:
    async with fake(scenario=NAMED_DIR / "overloaded.json") as f:
        answers = [await f.create(f"fox {i}") for i in range(40)]
        refused = [r for r in answers if r.status_code == 429]
        assert 10 < len(refused) < 30
        assert {error(r) for r in refused} == {
            (429, 1303, "parallel task over resource pack limit")
        }
        assert len(f.backend.store.tasks()) == 40 - len(refused)
        for _ in range(10):
            ok(await f.client.get(T2V))


async def test_maintenance_answers_every_kling_request_with_5001() -> None:
    async with fake(scenario=NAMED_DIR / "maintenance.json") as f:
        for method, path in (
            ("POST", T2V),
            ("GET", T2V),
            ("GET", f"{T2V}/1"),
            ("GET", "/account/costs"),
            ("GET", "/v1/nowhere"),
        ):
            response = await f.client.request(method, path, json={} if method == "POST" else None)
            assert error(response) == (503, 5001, "Service temporarily unavailable"), path
        assert (await f.client.get("/__mock/health")).status_code == 200
        assert (await f.client.get("/openapi.json")).status_code == 200


async def test_pack_exhausted_refuses_creates_with_1102_only() -> None:
    async with fake(scenario=NAMED_DIR / "pack-exhausted.json") as f:
        assert error(await f.create()) == (429, 1102, "Account balance not enough")
        assert error(await f.client.post(IMG, json={"prompt": "p"}))[1] == 1102
        ok(await f.client.get(T2V))
        ok(await f.client.get("/v1/general/presets-voices"))


async def test_slow_delays_every_request_by_one_to_three_seconds() -> None:
    async with fake(scenario=NAMED_DIR / "slow.json") as f:
        for _ in range(10):
            ok(await f.client.get(T2V))
        ok(await f.create())
        assert len(f.slept) == 11 and all(1 <= s <= 3 for s in f.slept)


async def test_flaky_network_drops_some_delays_some_and_fails_some() -> None:
    async with fake(scenario=NAMED_DIR / "flaky-network.json") as f:
        outcomes: list[int | str] = []
        for _ in range(100):
            try:
                outcomes.append((await f.client.get(T2V)).status_code)
            except httpx.RemoteProtocolError:
                outcomes.append("dropped")
        assert 3 <= outcomes.count("dropped") <= 20
        assert 3 <= outcomes.count(500) <= 20
        assert outcomes.count(200) >= 40
        assert 10 <= len(f.slept) <= 35 and all(0.5 <= s <= 3 for s in f.slept)


# -- scenario files and their errors ---------------------------------------------------------

GOOD = """{
  "description": "demo",
  "rules": [
    {
      "match": {"endpoint": "text2video"},
      "when": {"probability": 0.5},
      "effect": {"error": {"code": 1303}}
    }
  ]
}
"""


def write(tmp_path: Path, text: str, name: str = "faults.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


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


# -- the control routes ----------------------------------------------------------------------


async def test_rules_are_added_listed_and_deleted_at_run_time(tmp_path: Path) -> None:
    async with fake(scenario=write(tmp_path, GOOD, "boot.json")) as f:
        c = f.client
        assert (await c.post("/__mock/rules", json={"effect": {"latency_ms": 5}})).json() == {
            "ids": ["rule-1"]
        }
        added = await c.post(
            "/__mock/rules",
            json={
                "rules": [{"id": "x", "effect": {"latency_ms": 1}}, {"effect": {"latency_ms": 2}}]
            },
        )
        assert added.json() == {"ids": ["x", "rule-2"]}
        await f.create()
        rows = (await c.get("/__mock/rules")).json()["rules"]
        assert [(r["id"], r["source"], r["hits"]) for r in rows] == [
            ("boot-1", "startup", 0),
            ("rule-1", "runtime", 1),
            ("x", "runtime", 1),
            ("rule-2", "runtime", 1),
        ]
        assert rows[1]["effect"] == {"latency_ms": 5}
        assert (await c.delete("/__mock/rules/x")).json() == {"deleted": ["x"]}
        assert (await c.delete("/__mock/rules/x")).status_code == 404
        assert (await c.delete("/__mock/rules")).json() == {"deleted": ["rule-1", "rule-2"]}
        assert (await c.delete("/__mock/rules/boot-1")).status_code == 200
        assert (await c.get("/__mock/rules")).json() == {"rules": []}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"effect": {"error": {"code": 42}}},
            400,
            "effect.error.code: 42 is not a Kling error code",
        ),
        (
            {"match": {"endpoint": "t2v"}, "effect": {"latency_ms": 1}},
            400,
            "match.endpoint: unknown endpoint 't2v'",
        ),
        ({"rules": [{"effect": {"boom": 1}}]}, 400, "rules[0].effect: unknown effect 'boom'"),
        (
            {"id": "dup", "effect": {"latency_ms": 1}},
            409,
            "rule 'dup' is already active; DELETE /__mock/rules/dup first",
        ),
    ],
)
async def test_a_bad_rule_is_refused_naming_the_field(
    body: dict[str, Any], status: int, message: str
) -> None:
    async with fake() as f:
        await f.rules({"id": "dup", "effect": {"latency_ms": 1}})
        response = await f.client.post("/__mock/rules", json=body)
        assert response.status_code == status
        assert response.json()["error"].startswith(message), response.text
        assert len((await f.client.get("/__mock/rules")).json()["rules"]) == 1


async def test_named_scenarios_are_listed_and_activated_at_run_time() -> None:
    async with fake() as f:
        listed = (await f.client.get("/__mock/scenarios")).json()["scenarios"]
        assert [s["name"] for s in listed] == sorted(named())
        assert all(s["description"] and s["rules"] for s in listed)
        activated = await f.client.post("/__mock/scenarios/pack-exhausted")
        assert activated.json() == {"scenario": "pack-exhausted", "ids": ["pack-exhausted"]}
        assert error(await f.create())[1] == 1102
        assert (await f.client.post("/__mock/scenarios/pack-exhausted")).status_code == 409
        missing = await f.client.post("/__mock/scenarios/nope")
        assert missing.status_code == 404 and "known: callbacks-lost, " in missing.json()["error"]
        await f.client.delete("/__mock/rules")
        ok(await f.create())


async def test_header_rules_are_listed_once_used() -> None:
    async with fake() as f:
        await f.client.get(T2V, headers={HEADER: "slow"})
        [row] = (await f.client.get("/__mock/rules")).json()["rules"]
        assert (row["id"], row["source"], row["scenario"], row["hits"]) == (
            "header:slow",
            "header",
            "slow",
            1,
        )


async def test_the_control_routes_are_in_the_openapi_document() -> None:
    async with fake() as f:
        paths = (await f.client.get("/openapi.json")).json()["paths"]
        assert {"get", "post", "delete"} <= set(paths["/__mock/rules"])
        assert paths["/__mock/scenarios/{name}"]["post"]["description"].startswith("Add a named")


# -- the CLI ---------------------------------------------------------------------------------


def test_the_cli_lists_the_named_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name, scenario in named().items():
        assert any(line.startswith(name) and line.endswith(scenario.summary) for line in lines)


def test_the_readme_example_is_a_valid_scenario(backend: Any) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Scenarios and faults", 1)[1]
    example = section.split("```json\n", 1)[1].split("```", 1)[0]
    scenario = parse(example, "README.md", "readme", Known.of(backend.registry))
    assert len(scenario.rules) == 3
    readme_names = {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}
    assert set(named()) <= readme_names
