"""Scenario files: what each named scenario does, how a bad file is reported (file:line:
field: message), the --scenario option, the control routes and the CLI listing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.callbacks.policy import CallbackEffect
from mock_server.cli import main
from mock_server.simulation.rules import FaultDecision
from mock_server.simulation.scenarios import (
    NAMED_DIR,
    Known,
    named,
    parse,
    problem,
)
from tests.conftest import ok
from tests.paths import REPO_ROOT
from tests.simulation.fault_helpers import GOOD, HEADER, IMG, T2V, behind_faults, error, fake, write

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
