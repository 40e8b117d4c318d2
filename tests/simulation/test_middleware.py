"""Fault rules on the wire: each effect, and matching from the path, the account and the body.

Nothing sleeps: latency goes to a recording ``sleep``. Task effects are checked where the
middleware hands them over (``scope["state"]["kling_fault"]``), with a tiny app behind it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server import mint_token
from mock_server.backend import Backend
from mock_server.callbacks.policy import CallbackEffect
from mock_server.simulation.middleware import DroppedConnection, OperationIndex
from mock_server.simulation.rules import FaultDecision
from tests.conftest import ok
from tests.simulation.fault_helpers import (
    IMG,
    T2V,
    behind_faults,
    error,
    fake,
)

pytestmark = pytest.mark.anyio


# -- effects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"code": 1303}, (429, 1303, "parallel task over resource pack limit")),
        ({"code": 1102}, (429, 1102, "Account balance not enough")),
        ({"code": 1301, "message": "risk"}, (400, 1301, "risk")),
        ({"code": 1302}, (429, 1302, None)),
        ({"code": 5000}, (500, 5000, "Server internal error")),
        ({"code": 5001}, (503, 5001, "Service temporarily unavailable")),
        ({"code": 5002}, (504, 5002, "Server internal timeout")),
        ({"code": 1303, "http_status": 200}, (200, 1303, None)),
    ],
)
async def test_error_answers_with_the_code_and_its_table_status(
    given: dict[str, Any], expected: tuple[int, int, str | None]
) -> None:
    async with fake() as f:
        await f.rules({"effect": {"error": given}})
        got = error(await f.create())
        assert got[:2] == expected[:2] and (expected[2] is None or got[2] == expected[2])
        assert f.backend.store.tasks() == []  # not served


async def test_fixed_latency_is_awaited_then_the_request_is_served() -> None:
    async with fake() as f:
        await f.rules({"effect": {"latency_ms": 250}})
        ok(await f.create())
        assert f.slept == [0.25]


async def test_a_latency_range_is_drawn_within_it_and_seeded() -> None:
    waits = []
    for _ in range(2):
        async with fake() as f:
            await f.rules({"effect": {"latency_ms": {"min": 1000, "max": 3000}}})
            for _ in range(20):
                ok(await f.client.get(T2V))
            assert all(1 <= s <= 3 for s in f.slept) and len(set(f.slept)) == 20
            waits.append(f.slept)
    assert waits[0] == waits[1]


async def test_drop_connection_starts_the_answer_then_closes_without_serving() -> None:
    async with fake() as f:
        await f.rules({"id": "cut", "effect": {"drop_connection": True}})
        with pytest.raises(httpx.RemoteProtocolError) as caught:
            await f.create()
        assert isinstance(caught.value, DroppedConnection) and "cut" in str(caught.value)
        assert f.backend.store.tasks() == []
        [row] = f.backend.journal.rows()
        assert (row["status"], row["code"], row["rules"]) == (200, None, ["cut"])


async def test_malformed_html_is_a_502_gateway_page_and_not_served() -> None:
    async with fake() as f:
        await f.rules({"effect": {"malformed_body": "html"}})
        response = await f.create()
        assert response.status_code == 502
        assert response.headers["content-type"].startswith("text/html")
        assert "<h1>502 Bad Gateway</h1>" in response.text
        with pytest.raises(json.JSONDecodeError):
            response.json()
        assert f.backend.store.tasks() == []


async def test_malformed_truncated_serves_then_cuts_the_envelope_in_half() -> None:
    async with fake() as f:
        await f.rules({"match": {"action": "create"}, "effect": {"malformed_body": "truncated"}})
        response = await f.create()
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == len(response.content)
        assert response.content.startswith(b'{"code":0,"message":"SUCCEED"')
        with pytest.raises(json.JSONDecodeError):
            response.json()
        [task] = f.backend.store.tasks()  # served: the task exists
        whole = ok(await f.client.get(f"{T2V}/{task.task_id}"))
        assert len(response.content) < len(json.dumps(whole))


@pytest.mark.parametrize(
    ("effect", "decision"),
    [
        (
            {"task_fails": {"message": "Failure to pass the risk control system"}},
            ("Failure to pass the risk control system", None),
        ),
        ({"task_fails": {}}, ("Failure to pass the risk control system", None)),
        ({"callback": {"drop": True}}, (None, CallbackEffect(drop=True))),
        ({"callback": {"delay_s": 5}}, (None, CallbackEffect(delay_s=5))),
        ({"callback": {"duplicate": True}}, (None, CallbackEffect(duplicate=True))),
        ({"callback": {"reorder": True}}, (None, CallbackEffect(reorder=True))),
        ({"callback": {"fail": True}}, (None, CallbackEffect(fail=True))),
        ({"latency_ms": 1}, (None, None)),
    ],
)
async def test_task_effects_reach_the_endpoint_as_a_fault_decision(
    effect: dict[str, Any], decision: tuple[str | None, CallbackEffect | None]
) -> None:
    async with behind_faults() as (f, seen):
        f.backend.faults.add(
            [{"id": "r", "match": {"action": "create"}, "effect": effect}], "runtime"
        )
        assert (await f.client.post(T2V, json={"prompt": "x"})).json() == {"served": True}
        assert (await f.client.get(T2V)).json() == {"served": True}
        created, listed = seen
        assert created["state"]["kling_fault"] == FaultDecision(*decision, rules=("r",))
        assert created["state"]["kling"]["rules"] == ["r"]
        assert "kling_fault" not in listed.get("state", {})


async def test_the_journal_shows_the_rules_that_fired() -> None:
    async with fake() as f:
        await f.rules(
            {"id": "busy", "match": {"action": "create"}, "effect": {"error": {"code": 1303}}}
        )
        await f.create()
        await f.client.get(T2V)
        rows = (await f.client.get("/__mock/journal/requests")).json()["requests"]
        assert [(r["status"], r.get("rules")) for r in rows] == [(429, ["busy"]), (200, None)]


# -- matching from the path, the account and the body ---------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", T2V, ("text2video", "create")),
        ("GET", T2V, ("text2video", "list")),
        ("GET", f"{T2V}/123", ("text2video", "get")),
        ("HEAD", f"{T2V}/123", ("text2video", "get")),
        ("DELETE", T2V, ("text2video", "create")),  # wrong method: the endpoint is still known
        (
            "POST",
            "/v1/videos/multi-elements/init-selection",
            ("multi-elements-init-selection", "sync"),
        ),
        ("GET", "/account/costs", ("account-costs", "account")),
        ("GET", "/v1/nothing", None),
    ],
)
def test_operations_are_found_from_the_method_and_path(
    backend: Backend, method: str, path: str, expected: tuple[str, str] | None
) -> None:
    op = OperationIndex(backend.registry).find(method, path)
    assert (op and (op.endpoint.id, op.action)) == expected


async def test_endpoint_family_and_action_come_from_the_path() -> None:
    async with fake() as f:
        await f.rules(
            {"match": {"family": "image", "action": "list"}, "effect": {"error": {"code": 5002}}}
        )
        assert (await f.client.get(IMG)).status_code == 504
        assert (await f.client.get(T2V)).status_code == 200
        assert (await f.client.post(IMG, json={"prompt": "p"})).status_code == 200


async def test_account_is_matched_by_authenticating_the_header(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.json"
    accounts.write_text(
        json.dumps(
            {
                "accounts": [
                    {"access_key": "team-a", "secret_key": "secret-a"},
                    {"access_key": "team-b", "secret_key": "secret-b", "api_keys": ["sk-b"]},
                ]
            }
        )
    )
    async with fake(accounts_file=accounts) as f:
        await f.rules({"match": {"account": "team-b"}, "effect": {"error": {"code": 1100}}})
        now = f.backend.clock.now_ms() / 1000
        team_a = {"Authorization": f"Bearer {mint_token('team-a', 'secret-a', now)}"}
        team_b = {"Authorization": f"Bearer {mint_token('team-b', 'secret-b', now)}"}
        assert (await f.client.get(T2V, headers=team_a)).status_code == 200
        assert error(await f.client.get(T2V, headers=team_b))[1] == 1100
        assert error(await f.client.get(T2V, headers={"Authorization": "Bearer sk-b"}))[1] == 1100
        unknown = await f.client.get(T2V, headers={"Authorization": "Bearer nope"})
        assert error(unknown)[1] == 1002  # no account: the rule does not apply, auth says why


async def test_body_matching_replays_the_body_to_the_endpoint() -> None:
    async with fake() as f:
        await f.rules(
            {
                "match": {"body": {"prompt": {"contains": "cat"}}},
                "effect": {"error": {"code": 1301}},
            }
        )
        assert error(await f.create("a black cat"))[1] == 1301
        data = ok(await f.create("a dog"))
        [task] = f.backend.store.tasks()
        assert task.task_id == data["task_id"] and task.body["prompt"] == "a dog"


async def test_a_body_that_is_not_json_matches_nothing_and_still_reaches_the_app() -> None:
    async with behind_faults() as (f, seen):
        f.backend.faults.add(
            [{"match": {"body": {"a": 1}}, "effect": {"error": {"code": 5000}}}], "runtime"
        )
        chunks = [b'{"a": ', b"1"]  # not JSON: the body ends early

        async def stream() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk

        response = await f.client.post(T2V, content=stream())
        assert response.json() == {"served": True}
        assert seen[0]["received"] == b'{"a": 1'
        assert (await f.client.post(T2V, json={"a": 1})).status_code == 500


async def test_a_body_over_the_cap_is_not_buffered_and_matches_nothing() -> None:
    async with behind_faults(max_body_bytes=1024) as (f, seen):
        f.backend.faults.add(
            [{"match": {"body": {"a": 1}}, "effect": {"error": {"code": 5000}}}], "runtime"
        )
        big = json.dumps({"a": 1, "pad": "x" * 2000}).encode()
        assert (await f.client.post(T2V, content=big)).json() == {"served": True}
        assert seen[0]["received"] == big

        async def stream() -> AsyncIterator[bytes]:  # chunked: no Content-Length to go by
            for i in range(0, len(big), 500):
                yield big[i : i + 500]

        assert (await f.client.post(T2V, content=stream())).json() == {"served": True}
        assert seen[1]["received"] == big
