"""One generic endpoint per kind of operation; each route binds one to its ``Operation``.

A request goes: authenticate -> read input -> backend (validate, store, lifecycle) -> envelope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mock_server.accounts import Account
from mock_server.backend import Backend
from mock_server.http.envelope import success
from mock_server.http.limits import parse_json_object, read_body
from mock_server.http.query import typed_query
from mock_server.responders import RESPONDERS, CallContext
from mock_server.results import render
from mock_server.spec.registry import Operation

Endpoint = Callable[..., Awaitable[Response]]  # (request, op=Operation) -> Response


def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def _account(request: Request, backend: Backend) -> Account:
    return backend.auth.authenticate(request.headers.get("authorization"))


async def _input(request: Request, backend: Backend, op: Operation) -> dict[str, Any]:
    if op.method == "GET":
        return typed_query(request.query_params, op.query_schema)
    return parse_json_object(await read_body(request, backend.settings.max_body_bytes))


async def create(request: Request, op: Operation) -> Response:
    backend = _backend(request)
    account = _account(request, backend)
    body = await _input(request, backend, op)
    task = backend.create_task(op, account, body, str(request.base_url))
    return success(render.create_data(task), backend.ids.uuid())


async def get(request: Request, op: Operation) -> Response:
    backend = _backend(request)
    account = _account(request, backend)
    task = backend.find_task(op, account, request.path_params["id"])
    return success(
        render.task_data(task, watermark_supported=op.endpoint.watermark), backend.ids.uuid()
    )


async def list_tasks(request: Request, op: Operation) -> Response:
    backend = _backend(request)
    account = _account(request, backend)
    tasks = backend.list_tasks(op, account, await _input(request, backend, op))
    data = [render.task_data(t, watermark_supported=op.endpoint.watermark) for t in tasks]
    return success(data, backend.ids.uuid())


async def call(request: Request, op: Operation) -> Response:
    """sync, catalog and account operations: validate, then the endpoint's responder."""
    backend = _backend(request)
    account = _account(request, backend)
    raw = await _input(request, backend, op)
    backend.lifecycle.tick()
    body = backend.validate(op, raw)
    ctx = CallContext(
        backend=backend,
        account=account,
        operation=op,
        body=body,
        raw=raw,
        base_url=backend.base_url(str(request.base_url)),
    )
    responder = RESPONDERS[str(op.endpoint.responder)]
    return success(responder(ctx), backend.ids.uuid())


BY_ACTION: dict[str, Endpoint] = {
    "create": create,
    "get": get,
    "list": list_tasks,
    "sync": call,
    "catalog": call,
    "account": call,
}
