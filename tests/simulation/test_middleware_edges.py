"""Fault rules on the wire: the per-request header, the fake's own paths, seeded determinism
and the ASGI edges (other scopes, streamed answers, bodies that never arrive)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from starlette.types import Receive, Scope, Send

from mock_server import Settings, create_app
from mock_server.backend import Backend
from mock_server.simulation.middleware import FaultMiddleware
from tests.conftest import ok
from tests.simulation.fault_helpers import (
    HEADER,
    IMG,
    T2V,
    error,
    fake,
)

pytestmark = pytest.mark.anyio


# -- the per-request header ------------------------------------------------------------------


async def test_the_header_applies_named_scenarios_to_that_request_only() -> None:
    async with fake() as f:
        refused = await f.create(**{HEADER: "pack-exhausted"})
        assert error(refused) == (429, 1102, "Account balance not enough")
        ok(await f.create())
        both = await f.client.get(T2V, headers={HEADER: " slow , maintenance"})
        assert error(both)[:2] == (503, 5001) and len(f.slept) == 1
        rows = f.backend.journal.rows()
        assert rows[0]["rules"] == ["header:pack-exhausted"]
        assert rows[2]["rules"] == ["header:slow", "header:maintenance"]


async def test_an_unknown_scenario_name_is_a_1200_naming_the_known_ones() -> None:
    async with fake() as f:
        status, code, message = error(await f.create(**{HEADER: "slow,nope"}))
        assert (status, code) == (400, 1200)
        assert message.startswith("X-Kling-Mock-Scenario: unknown scenario 'nope'; known: ")
        assert "maintenance" in message and "flaky-network" in message
        assert f.backend.store.tasks() == [] and f.slept == []


# -- the fake's own paths --------------------------------------------------------------------


async def test_the_control_api_media_and_openapi_are_never_faulted() -> None:
    async with fake() as f:
        await f.rules(
            {"effect": {"error": {"code": 5001}}},
            {"match": {"path": "*"}, "effect": {"drop_connection": True}},
        )
        for path in ("/__mock/health", "/__mock/rules", "/openapi.json", "/media/none.png"):
            response = await f.client.get(path, headers={HEADER: "maintenance"})
            assert response.status_code in (200, 404), path
            assert response.status_code == 200 or response.json()["code"] == 1203
        assert error(await f.client.get(T2V))[1] == 5001


async def test_a_rule_whose_path_names_the_control_api_does_fault_it() -> None:
    async with fake() as f:
        await f.rules({"match": {"path": "/__mock/health"}, "effect": {"error": {"code": 5000}}})
        assert (await f.client.get("/__mock/health")).status_code == 500
        assert (await f.client.get("/__mock/rules")).status_code == 200


# -- determinism -----------------------------------------------------------------------------

FLAKY = {
    "match": {"endpoint": "text2video", "action": "create"},
    "when": {"probability": 0.5},
    "effect": {"error": {"code": 1303}},
}


async def faulted_creates(seed: int, unrelated: bool) -> list[int]:
    async with fake(seed=seed) as f:
        await f.rules(FLAKY)
        statuses = []
        for i in range(30):
            if unrelated:
                await f.client.get(T2V)
                await f.client.post(IMG, json={"prompt": f"unrelated {i}"})
            statuses.append((await f.create(f"fox {i}")).status_code)
        return statuses


async def test_the_same_seed_faults_the_same_requests_whatever_else_is_sent() -> None:
    plain = await faulted_creates(3, unrelated=False)
    assert plain == await faulted_creates(3, unrelated=False)
    assert plain == await faulted_creates(3, unrelated=True)
    assert 5 < plain.count(429) < 25
    assert plain != await faulted_creates(4, unrelated=False)


async def test_a_reset_rebuilds_the_stream_and_the_startup_rules(tmp_path: Path) -> None:
    scenario = tmp_path / "boot.json"
    scenario.write_text(json.dumps({"rules": [FLAKY]}))
    async with fake(scenario=scenario) as f:
        first = [(await f.create()).status_code for _ in range(12)]
        await f.rules({"id": "extra", "effect": {"latency_ms": 1}})
        assert (await f.client.post("/__mock/reset")).status_code == 200
        rules = (await f.client.get("/__mock/rules")).json()["rules"]
        assert [(r["id"], r["source"], r["hits"]) for r in rules] == [("boot-1", "startup", 0)]
        assert [(await f.create()).status_code for _ in range(12)] == first


# -- the ASGI edges --------------------------------------------------------------------------


async def test_other_scopes_pass_through_untouched(backend: Backend) -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    backend.faults.add([{"effect": {"error": {"code": 5000}}}], "runtime")
    layer = FaultMiddleware(inner, backend)

    async def nothing() -> Any:
        raise AssertionError("not read")

    async def ignore(message: Any) -> None:
        raise AssertionError("not sent")

    await layer({"type": "lifespan"}, nothing, ignore)
    assert seen == ["lifespan"]


async def test_a_streamed_answer_is_truncated_whole(backend: Backend) -> None:
    sent: list[dict[str, Any]] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"8")]}
        )
        await send({"type": "http.response.body", "body": b"abcd", "more_body": True})
        await send({"type": "http.response.debug", "info": {}})  # anything else passes
        await send({"type": "http.response.body", "body": b"efgh"})

    async def record(message: Any) -> None:
        sent.append(message)

    async def unused() -> Any:
        raise AssertionError("a GET without a body rule reads nothing")

    backend.faults.add([{"effect": {"malformed_body": "truncated"}}], "runtime")
    layer = FaultMiddleware(inner, backend)
    scope = {"type": "http", "method": "GET", "path": T2V, "headers": []}
    await layer(scope, unused, record)
    assert [m["type"] for m in sent] == [
        "http.response.debug",
        "http.response.start",
        "http.response.body",
    ]
    assert sent[1]["headers"] == [(b"content-length", b"4")] and sent[2]["body"] == b"abcd"


@pytest.mark.parametrize(
    "messages",
    [
        [{"type": "http.request", "body": b'{"a"', "more_body": True}, {"type": "http.disconnect"}],
        [{"type": "http.request", "body": b'{"a"', "more_body": True}],  # then stalls
    ],
)
async def test_a_body_that_never_arrives_matches_nothing_and_is_replayed(
    messages: list[dict[str, Any]],
) -> None:
    backend: Backend = create_app(Settings(seed=7, body_timeout=0.001)).state.backend
    backend.faults.add(
        [{"match": {"body": {"a": 1}}, "effect": {"error": {"code": 5000}}}], "runtime"
    )
    replayed: list[Any] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        replayed.extend([await receive() for _ in messages])

    pending = list(messages)

    async def receive() -> Any:
        if pending:
            return pending.pop(0)
        await anyio.sleep_forever()

    async def send(message: Any) -> None:
        raise AssertionError("the rule must not answer")

    layer = FaultMiddleware(inner, backend)
    scope = {"type": "http", "method": "POST", "path": T2V, "headers": []}
    await layer(scope, receive, send)
    assert replayed == messages
