"""One generic endpoint per kind of operation; each route binds one to its ``Operation``.

A request goes: authenticate -> read input (intake.py: parse, guard, validate; nothing stored
yet) -> backend (store, lifecycle) -> envelope.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from mock_server.accounts import Account
from mock_server.backend import Backend
from mock_server.http.envelope import success
from mock_server.http.intake import Input, Intake
from mock_server.responders import CallContext, answer
from mock_server.spec.registry import Endpoint as SpecEndpoint
from mock_server.spec.registry import Operation

Endpoint = Callable[..., Awaitable[Response]]  # (request, op=Operation) -> Response
DIGEST_MAX = 64 * 1024  # bodies digested for the report (bigger ones: not worth loop time)


def digest(text: str | None) -> str | None:
    """A short fingerprint (never the secret itself) for the client-behaviour report."""
    return None if text is None else _fingerprint(text.encode("utf-8", "replace"))


def _fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


# A client sends the same header on every request: its digest is worked out once (bounded).
_header_digest = functools.lru_cache(maxsize=1024)(digest)


def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def _intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


def _note(request: Request, **fields: Any) -> None:
    """What the request journal should know that only the endpoint knows."""
    request.scope.setdefault("state", {}).setdefault("kling", {}).update(fields)


def _account(request: Request, backend: Backend, op: Operation) -> Account:
    _intake(request).guard(request)  # the header and the request line are text first
    header = request.headers.get("authorization")
    _note(request, endpoint=op.endpoint.id, action=op.action, token=_header_digest(header))
    account = backend.authenticate(header, op.endpoint.design)
    _note(request, account=account.access_key)
    return account


async def _input(request: Request, op: Operation) -> Input:
    return await _intake(request).read(request, op)


def _body_digest(raw: dict[str, Any]) -> str | None:
    """The body's fingerprint, whatever the order of its keys (a retried create matches)."""
    try:
        data = orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # what orjson refuses (a lone surrogate, 1e400): the careful encoder
        data = json.dumps(raw, sort_keys=True).encode("utf-8", "replace")
    return _fingerprint(data)


def _base_url(request: Request) -> str:
    """``request.base_url`` as text, worked out once per (scheme, server, root path, Host),
    all it depends on: Starlette builds a URL for it on every request, about 4% of a create.
    Bounded (a client may send any Host)."""
    scope = request.scope
    root = scope.get("app_root_path", scope.get("root_path", ""))
    server = scope.get("server")  # a list from some clients (Starlette's TestClient)
    key = (scope.get("scheme", "http"), tuple(server) if server else None, root, _host(scope))
    known = _BASE_URLS.get(key)
    if known is None:
        if len(_BASE_URLS) >= 256:
            _BASE_URLS.clear()
        known = _BASE_URLS[key] = str(request.base_url)
    return known


def _host(scope: Any) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"host":
            return bytes(value)
    return None


_BASE_URLS: dict[tuple[Any, ...], str] = {}


async def create(request: Request, op: Operation) -> Response:
    backend = _backend(request)
    account = _account(request, backend, op)
    given = await _input(request, op)
    if int(request.headers.get("content-length") or DIGEST_MAX + 1) <= DIGEST_MAX:
        _note(request, body=_body_digest(given.raw))
    _note(request, external=bool(given.body.get("external_task_id")))
    fault = request.scope.get("state", {}).get("kling_fault")  # simulation/middleware.py
    task = backend.create_task(op, account, given.raw, given.body, _base_url(request), fault)
    _note(request, task_ids=[task.task_id])
    return success(backend.render_created(task), backend.ids.request_id())


async def get(request: Request, op: Operation) -> Response:
    backend = _backend(request)
    account = _account(request, backend, op)
    task = backend.find_task(op, account, request.path_params["id"])
    _note(request, task_ids=[task.task_id])
    data = backend.rendered.one(task, op.endpoint.watermark)
    return success(data, backend.ids.request_id())


async def list_tasks(request: Request, op: Operation) -> Response:
    backend = _backend(request)
    account = _account(request, backend, op)
    tasks = backend.list_tasks(op, account, (await _input(request, op)).body)
    data = backend.rendered.page(tasks, op.endpoint.watermark)
    return success(data, backend.ids.request_id())


async def call(request: Request, op: Operation) -> Response:
    """sync, catalog and account operations: validate, then the endpoint's responder."""
    backend = _backend(request)
    account = _account(request, backend, op)
    given = await _input(request, op)
    backend.lifecycle.tick()
    backend.check_references(op, account, given.body)
    ctx = CallContext(
        backend=backend,
        account=account,
        operation=op,
        body=given.body,
        raw=given.raw,
        base_url=backend.base_url(_base_url(request)),
    )
    data = answer(ctx)  # 1102 before the responder runs; charged after it
    omit = op.endpoint.live_omits_data and backend.answers.live  # manifest "live"
    return success(data, backend.ids.request_id(), omit_data=omit)


async def unknown_model(request: Request, served: tuple[SpecEndpoint, ...]) -> Response:
    """A model-in-path create for a model no manifest entry serves: the caller is checked as
    for any model of the path, then 1203 (new-design-api.md 3, the sheet's guess)."""
    backend = _backend(request)
    _intake(request).guard(request)
    backend.authenticate(request.headers.get("authorization"), served[0].design)
    models = ", ".join(str(ep.model) for ep in served)
    raise backend.answers.error(
        "model_not_found", model=request.path_params["model"], supported=models
    )


BY_ACTION: dict[str, Endpoint] = {
    "create": create,
    "get": get,
    "list": list_tasks,
    "sync": call,
    "catalog": call,
    "account": call,
}
