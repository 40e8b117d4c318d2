"""Fault rules on the wire: each effect, matching from the path, the account and the body,
the per-request header, the journal, the fake's own paths, and seeded determinism.

Nothing sleeps: latency goes to a recording ``sleep``. Task effects are checked where the
middleware hands them over (``scope["state"]["kling_fault"]``), with a tiny app behind it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.backend import Backend
from mock_server.callbacks.policy import CallbackEffect
from mock_server.simulation.middleware import DroppedConnection, FaultMiddleware, OperationIndex
from mock_server.simulation.rules import FaultDecision
from tests.conftest import BASE_URL, ok

pytestmark = pytest.mark.anyio
T2V = "/v1/videos/text2video"
IMG = "/v1/images/generations"
HEADER = "X-Kling-Mock-Scenario"


@dataclass
class Fake:
    app: Starlette
    backend: Backend
    client: httpx.AsyncClient
    slept: list[float]

    async def rules(self, *rules: dict[str, Any]) -> list[str]:
        response = await self.client.post("/__mock/rules", json={"rules": list(rules)})
        assert response.status_code == 200, response.text
        ids: list[str] = response.json()["ids"]
        return ids

    async def create(self, prompt: str = "a fox", **headers: str) -> httpx.Response:
        return await self.client.post(T2V, json={"prompt": prompt}, headers=headers)


def record_sleeps(app: Starlette) -> list[float]:
    """Swap the fault middleware's sleep for a recorder (before the first request)."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    [layer] = [m for m in app.user_middleware if m.cls is cast(Any, FaultMiddleware)]
    layer.kwargs["sleep"] = sleep
    return slept


@asynccontextmanager
async def fake(**settings: Any) -> AsyncIterator[Fake]:
    """The whole app on a manual clock, seed 7, no concurrency quota (many creates)."""
    clock = ManualClock()
    app = create_app(Settings(**{"seed": 7, "concurrency": "off", **settings}), clock=clock)
    slept = record_sleeps(app)
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as c:
        yield Fake(app, app.state.backend, c, slept)


@asynccontextmanager
async def behind_faults(**settings: Any) -> AsyncIterator[tuple[Fake, list[Scope]]]:
    """A tiny app behind the middleware that records each scope and the body it received."""
    seen: list[Scope] = []
    backend: Backend = create_app(Settings(seed=7, **settings), clock=ManualClock()).state.backend

    async def recorder(scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        seen.append({**scope, "received": body})
        await JSONResponse({"served": True})(scope, receive, send)

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    app = FaultMiddleware(recorder, backend.registry, lambda scope: backend, sleep=sleep)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        yield Fake(Starlette(), backend, c, slept), seen


def error(response: httpx.Response) -> tuple[int, int, str]:
    body = response.json()
    assert set(body) == {"code", "message", "request_id"}, body
    return response.status_code, body["code"], body["message"]


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
    layer = FaultMiddleware(inner, backend.registry, lambda scope: backend)

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
    layer = FaultMiddleware(inner, backend.registry, lambda scope: backend)
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

    layer = FaultMiddleware(inner, backend.registry, lambda scope: backend)
    scope = {"type": "http", "method": "POST", "path": T2V, "headers": []}
    await layer(scope, receive, send)
    assert replayed == messages
