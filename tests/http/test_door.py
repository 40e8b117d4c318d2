"""http/door.py and http/stack.py: one outer pass folds slashes, journals and answers crashes,
and Starlette's layers that would only repeat that work are left out."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from mock_server import ManualClock, Settings, create_app
from mock_server.backend import Backend
from mock_server.http import stack
from mock_server.http.door import FrontDoor
from mock_server.http.router import LookupRouter
from mock_server.http.stack import KlingStarlette
from mock_server.responders import RESPONDERS
from tests.conftest import BASE_URL
from tests.simulation.fault_helpers import fake

pytestmark = pytest.mark.anyio
T2V = "/v1/videos/text2video"
TTS = {"text": "hi", "voice_id": "uk_boy1", "voice_language": "en"}


def _explode(ctx: object) -> object:
    raise RuntimeError("secret internals")


async def test_a_crash_is_a_5000_without_traceback_and_journalled_as_answered(
    client: httpx.AsyncClient, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(RESPONDERS, "tts", _explode)
    response = await client.post("/v1/audio/tts", json=TTS)
    body = response.json()
    assert (response.status_code, body["code"]) == (500, 5000)
    assert set(body) == {"code", "message", "request_id"} and "secret" not in response.text
    [row] = backend.journal.rows()
    assert (row["path"], row["status"], row["code"]) == ("/v1/audio/tts", 500, 5000)
    assert row["endpoint"] == "tts" and row["account"] == "mock-access-key"


async def test_sloppy_slashes_are_folded_before_the_journal_sees_the_path(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    created = await client.post(f"{BASE_URL}/{T2V}//", json={"prompt": "a fox"})
    assert created.status_code == 200
    health = await client.get(f"{BASE_URL}//__mock//health/")  # folded too: not journalled
    assert health.status_code == 200
    assert (await client.get("/openapi.json/")).status_code == 200
    rows = backend.journal.rows()
    assert [(r["method"], r["path"], r["status"], r["code"]) for r in rows] == [
        ("POST", T2V, 200, 0)
    ]


async def test_journal_rows_keep_their_fields_in_order(
    client: httpx.AsyncClient, backend: Backend, clock: ManualClock
) -> None:
    task_id = (await client.post(T2V, json={"prompt": "a fox"})).json()["data"]["task_id"]
    await client.get(f"{T2V}/{task_id}")
    await client.get("/v1/nothing")
    first, query, unknown = backend.journal.rows()
    assert list(first)[:7] == ["id", "at_ms", "method", "path", "status", "code", "latency_ms"]
    assert first["task_ids"] == [task_id] and first["at_ms"] <= clock.now_ms()
    assert isinstance(first["latency_ms"], float) and first["latency_ms"] >= 0
    assert (query["status"], query["code"], query["task_ids"]) == (200, 0, [task_id])
    assert (unknown["status"], unknown["code"]) == (404, 1202)  # the router's own 404
    assert [r["id"] for r in backend.journal.rows(since_id=first["id"])] == [2, 3]
    assert [r["id"] for r in backend.journal.rows(task_id=task_id, method="GET")] == [2]
    rows = backend.journal.rows()
    rows[0]["status"] = 999  # a reader gets copies
    assert backend.journal.rows()[0]["status"] == 200


async def test_the_journal_is_bounded(make_client: Any, auth: dict[str, str]) -> None:
    app = create_app(Settings(journal_size=2), clock=ManualClock())
    async with make_client(app, auth) as c:
        for _ in range(3):
            await c.get("/v1/nothing")
    assert [r["id"] for r in app.state.backend.journal.rows()] == [2, 3]


async def test_faulted_requests_are_journalled_with_their_rule_ids() -> None:
    async with fake() as f:
        [rule] = await f.rules({"match": {"path": T2V}, "effect": {"error": {"code": 5001}}})
        assert (await f.create()).status_code == 503
        folded = await f.client.post(f"{BASE_URL}/{T2V}/")  # folded, then faulted
        assert folded.json()["code"] == 5001
        rows = f.backend.journal.rows()
        assert [(r["path"], r["status"], r["code"], r["rules"]) for r in rows] == [
            (T2V, 503, 5001, [rule]),
            (T2V, 503, 5001, [rule]),
        ]


async def test_a_failure_after_the_answer_started_reaches_the_server(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    sent: list[dict[str, Any]] = []

    async def half(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("mid-answer")

    async def record(message: Any) -> None:
        sent.append(message)

    door = FrontDoor(half, backend)
    scope = {"type": "http", "method": "GET", "path": T2V, "headers": []}
    with pytest.raises(RuntimeError, match="mid-answer"):
        await door(scope, _nothing, record)
    assert [m["type"] for m in sent] == ["http.response.start"]  # no second answer
    [row] = backend.journal.rows()
    assert (row["status"], row["code"]) == (200, None)
    assert "unhandled error on GET" in caplog.text


async def test_other_scopes_pass_through(backend: Backend) -> None:
    seen: list[Scope] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    scope = {"type": "lifespan", "path": "//x/"}
    await FrontDoor(inner, backend)(scope, _nothing, _nothing)
    assert seen == [scope] and backend.journal.rows() == []


async def _nothing(*args: Any) -> Any:
    raise AssertionError("not expected")


# -- the stack -------------------------------------------------------------------------------


def _layers(app: Starlette) -> list[type]:
    found, layer = [], app.build_middleware_stack()
    while hasattr(layer, "app"):
        found.append(type(layer))
        layer = layer.app
    return found


def test_the_app_has_no_server_error_layer(app: Starlette) -> None:
    layers = _layers(app)
    assert layers[0] is FrontDoor and ServerErrorMiddleware not in layers
    assert ExceptionMiddleware not in layers  # reached only by what the dicts do not find


async def _hello(request: object) -> PlainTextResponse:
    return PlainTextResponse("hi")


def test_starlettes_own_stack_is_kept_when_it_could_do_more() -> None:
    routes = [Route("/", _hello)]

    async def on_crash(request: object, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("crash", status_code=500)

    handled = KlingStarlette(routes=routes, exception_handlers={Exception: on_crash})
    handled.router = LookupRouter(routes)
    assert ServerErrorMiddleware in _layers(handled)
    plain_router = KlingStarlette(routes=routes)  # not a LookupRouter
    assert ServerErrorMiddleware in _layers(plain_router)


def test_a_starlette_without_the_private_tables_keeps_its_own_stack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """stack.py reads two private attributes of ExceptionMiddleware; a Starlette that renames
    them gets its own (slower) stack, not a crash at start-up."""
    class Renamed(ExceptionMiddleware):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            del self._exception_handlers, self._status_handlers

    routes = [Route("/", _hello)]
    app = KlingStarlette(routes=routes)
    app.router = LookupRouter(routes)
    assert ServerErrorMiddleware not in _layers(app)
    monkeypatch.setattr(stack, "ExceptionMiddleware", Renamed)
    assert ServerErrorMiddleware in _layers(app)


async def test_a_route_the_dicts_do_not_hold_still_gets_the_exception_handlers(
    make_client: Any,
) -> None:
    class Refusing:  # an ASGI app as endpoint: Starlette does not wrap it with the handlers
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            raise KeyError("nope")

    async def on_key(request: object, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse("handled", status_code=418)

    routes = [Route("/asgi", Refusing()), Route("/fn", _hello)]
    app = KlingStarlette(routes=routes, exception_handlers={KeyError: on_key})
    app.router = LookupRouter(routes)
    assert sorted(app.router.static) == [("GET", "/fn"), ("HEAD", "/fn")]
    async with make_client(app) as c:
        assert (await c.get("/asgi")).status_code == 418
        assert (await c.get("/fn")).text == "hi"
        assert (await c.get("/none")).status_code == 404


async def test_a_client_that_hangs_up_is_one_info_line(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    from starlette.requests import ClientDisconnect

    async def gone(scope: Scope, receive: Receive, send: Send) -> None:
        raise ClientDisconnect

    scope = {"type": "http", "method": "POST", "path": T2V, "headers": []}
    with caplog.at_level(logging.DEBUG):
        await FrontDoor(gone, backend)(scope, _nothing, _nothing)
    assert [r.levelno for r in caplog.records] == [logging.INFO]
    assert backend.journal.rows()[0]["status"] is None
