"""Fault rules on the wire: an ASGI middleware between the request journal and the routes.

For each request: the rules that may apply (start-up, run-time, and the named scenarios of an
``X-Kling-Mock-Scenario`` header), narrowed by method, path and operation (from the path, with
each operation's path compiled once), then by account and body only if a remaining rule asks
(the body is then read here, within ``--max-body-bytes``, and replayed to the app). The rules
that fire then act, in this order:

    latency_ms       awaited first (``sleep``, injectable; real time by default)
    error            a Kling envelope with that code; the request is not served
    malformed_body   "html": a 502 gateway page, not served; "truncated": served, and its
                     answer cut in half with a matching Content-Length (invalid JSON)
    drop_connection  the response starts, then the connection is closed: not served
    task effects     ``scope["state"]["kling_fault"]``, a ``FaultDecision`` for the create

The ids of the rules that fired go to ``scope["state"]["kling"]["rules"]`` for the journal.
``/__mock``, ``/media/`` and ``/openapi.json`` are faulted only by rules whose path names them.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import anyio
import httpx
from starlette.datastructures import Headers
from starlette.responses import HTMLResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.errors import KlingError
from mock_server.http.envelope import failure
from mock_server.simulation.rules import Facts, Outcome, Rule, protected_area
from mock_server.simulation.scenarios import HEADER, UnknownScenario, header_rules
from mock_server.spec.registry import Operation, Registry

if TYPE_CHECKING:
    from mock_server.backend import Backend

Sleep = Callable[[float], Awaitable[Any]]
_HEADER_BYTES = HEADER.lower().encode("latin-1")  # ASGI header names are lower-case bytes
GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class DroppedConnection(httpx.RemoteProtocolError):
    """Raised after ``http.response.start``: the server closes the connection mid-response.

    Over a socket the client sees its own protocol error (httpx: ``RemoteProtocolError: peer
    closed connection without sending complete message body``; requests: ``ChunkedEncodingError``).
    In-process (``httpx.ASGITransport`` re-raises what the app raises) the client gets this
    very exception, which is an ``httpx.RemoteProtocolError`` too, so the same handler runs.
    """


class OperationIndex:
    """Method and path -> the registry's operation; paths compiled once, static ones first."""

    def __init__(self, registry: Registry) -> None:
        self._routes = [(compile_path(path)[0], op) for op in registry for path in op.paths]

    def find(self, method: str, path: str) -> Operation | None:
        """The operation at ``path`` for ``method``, else any at ``path`` (the endpoint and
        family are still known when the method is wrong)."""
        method = "GET" if method == "HEAD" else method
        at_path = [op for regex, op in self._routes if regex.match(path)]
        return next((op for op in at_path if op.method == method), at_path[0] if at_path else None)


class FaultMiddleware:
    def __init__(self, app: ASGIApp, backend: Backend, sleep: Sleep | None = None) -> None:
        self.app = app
        self._ops = OperationIndex(backend.registry)
        self._backend = backend
        self._sleep: Sleep = sleep or anyio.sleep

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        backend = self._backend
        try:
            extra = self._header_rules(backend, scope)
        except UnknownScenario as exc:
            refusal = failure(1200, f"{HEADER}: {exc}", backend.ids.request_id(), 400)
            await refusal(scope, receive, send)
            return
        rules = backend.faults.candidates(scope["path"], extra)
        if not rules:  # nearly every request: no rule at all
            await self.app(scope, receive, send)
            return
        outcome, receive = await self._decide(backend, scope, receive, rules)
        if not outcome.rules:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state.setdefault("kling", {})["rules"] = list(outcome.rules)
        if outcome.latency_ms:
            await self._sleep(outcome.latency_ms / 1000)
        if outcome.error is not None:
            code, message, status = outcome.error
            error = KlingError(code, message, http_status=status)
            response = failure(code, error.message, backend.ids.request_id(), error.http_status)
            await response(scope, receive, send)
        elif outcome.malformed_body == "html":
            await HTMLResponse(GATEWAY_PAGE, status_code=502)(scope, receive, send)
        elif outcome.drop_connection:
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            raise DroppedConnection(
                "peer closed connection without sending complete message body "
                f"(kling-mock dropped it: fault rules {', '.join(outcome.rules)})"
            )
        else:
            state["kling_fault"] = outcome.decision
            cut = outcome.malformed_body == "truncated"
            await self.app(scope, receive, _truncating(send) if cut else send)

    def _header_rules(self, backend: Backend, scope: Scope) -> list[Rule]:
        raw = [v for k, v in scope["headers"] if k == _HEADER_BYTES]  # most requests: none
        if not raw or protected_area(scope["path"]) is not None:
            return []
        value = ",".join(v.decode("latin-1") for v in raw)
        return header_rules(backend.faults, value) if value else []

    async def _decide(
        self, backend: Backend, scope: Scope, receive: Receive, rules: list[Rule]
    ) -> tuple[Outcome, Receive]:
        """Narrow ``rules`` to those that match (looking up the account and the body only if
        one still needs them), then let those fire."""
        op = self._ops.find(scope["method"], scope["path"])
        facts = Facts(scope["method"], scope["path"])
        if op is not None:
            facts = replace(
                facts, endpoint=op.endpoint.id, family=op.endpoint.family, action=op.action
            )
        rules = [r for r in rules if r.match.holds_route(facts)]
        needs: set[str] = set().union(*(r.match.needs for r in rules))
        if "account" in needs:
            facts = replace(facts, account=_account(backend, scope))
        if "body" in needs:
            body, receive = await _read_body(backend, scope, receive)
            facts = replace(facts, body=body)
        return backend.faults.fire(r for r in rules if r.match.holds(facts)), receive


def _account(backend: Backend, scope: Scope) -> str | None:
    try:
        return backend.auth.authenticate(Headers(scope=scope).get("authorization")).access_key
    except Exception:  # any failure means "no account": the endpoint will say why
        return None


async def _read_body(backend: Backend, scope: Scope, receive: Receive) -> tuple[Any, Receive]:
    """The body parsed leniently (None if it is not JSON, too big or too slow), and a
    ``receive`` that replays what was read to the app, then goes on reading."""
    limit = backend.settings.max_body_bytes
    read: list[Message] = []
    size, whole = 0, False
    declared = Headers(scope=scope).get("content-length", "")
    if not (declared.isdigit() and int(declared) > limit):
        with anyio.move_on_after(backend.settings.body_timeout):
            while size <= limit and not whole:
                read.append(await receive())
                if read[-1]["type"] != "http.request":
                    break
                size += len(read[-1].get("body", b""))
                whole = not read[-1].get("more_body", False)
    body = None
    if whole and size <= limit:
        try:
            body = json.loads(b"".join(m.get("body", b"") for m in read))
        except (ValueError, RecursionError):
            body = None
    pending = deque(read)

    async def replay() -> Message:
        return pending.popleft() if pending else await receive()

    return body, replay


def _truncating(send: Send) -> Send:
    """Hold the app's answer and send its first half, with a Content-Length to match."""
    start: Message = {}
    chunks: list[bytes] = []

    async def cut(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        whole = b"".join(chunks)
        half = whole[: len(whole) // 2]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(half)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": half})

    return cut
