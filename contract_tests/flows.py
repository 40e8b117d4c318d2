"""Multi-request flows: create -> poll (or advance the clock) -> query, list, download, and a
loopback receiver for callbacks."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from contract_tests import checks
from contract_tests.payloads import unique_external_id
from contract_tests.setups import SetupRefused

if TYPE_CHECKING:
    from contract_tests.harness import Harness
from mock_server.spec.registry import Endpoint

CALLBACK_GRACE_S = 5.0  # how long a final callback may trail the final poll


class CallbackReceiver:
    """An HTTP server on 127.0.0.1 that records every JSON body POSTed to /callbacks/<key>."""

    def __init__(self) -> None:
        received: dict[str, list[Any]] = defaultdict(list)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    payload: Any = json.loads(raw)
                except ValueError:
                    payload = {"_unparsable": raw.decode("utf-8", "replace")}
                with lock:
                    received[self.path.rsplit("/", 1)[-1]].append(payload)
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._received = received
        self._lock = lock
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, key: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/callbacks/{key}"

    def received(self, key: str) -> list[Any]:
        with self._lock:
            return list(self._received.get(key, []))

    def settled(
        self, key: str, timeout_s: float, view: Callable[[Any], Any] = lambda p: p
    ) -> list[Any]:
        """What arrived for ``key`` once a final status (succeed/failed) has arrived, or
        whatever arrived within ``timeout_s``: callbacks may trail the final poll a little.
        ``view`` reads a payload in the legacy keys (the design's ``Surface.view``)."""
        deadline = time.monotonic() + timeout_s
        while True:
            payloads = self.received(key)
            final = any(
                isinstance(p, dict) and view(p).get("task_status") in checks.TERMINAL
                for p in payloads
            )
            if final or time.monotonic() >= deadline:
                return payloads
            time.sleep(0.01)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def sender(harness: Harness) -> Any:
    """(method, path, body) -> data, for setups; raises SetupRefused on an error envelope."""

    def send(method: str, path: str, body: dict[str, Any]) -> Any:
        kwargs: dict[str, Any] = {"json": body} if method == "POST" else {}
        response = harness.target.request(method, path, **kwargs)
        harness.recorder.requests += 1
        data = response.json()
        if data.get("code") != 0:
            raise SetupRefused(f"{method} {path}: {data.get('code')} {data.get('message')}")
        return data["data"]

    return send


@dataclass(frozen=True)
class Surface:
    """How one design creates, queries and lists a task, and how its task object reads in
    the legacy keys the named checks use (``view``); the checks stay one set for both."""

    create: Callable[[dict[str, Any]], dict[str, Any]]  # body -> the created task, viewed
    one: Callable[[str], dict[str, Any]]  # task id -> the task, viewed
    by_external: Callable[[str], dict[str, Any]] | None
    listed: Callable[[], list[dict[str, Any]]]
    with_options: Callable[[dict[str, Any], str, str | None], dict[str, Any]]
    callback_schema: str  # what a callback body must match
    view: Callable[[Any], Any]


def _legacy(harness: Harness, endpoint: Endpoint) -> Surface:
    ctx, target, ep = harness.ctx, harness.target, endpoint.id
    ops = {op.action: op for op in harness.registry if op.endpoint.id == ep}

    def one(ident: str) -> dict[str, Any]:
        response = _request(harness, "GET", f"{endpoint.path}/{ident}")
        task: dict[str, Any] = checks.response_conforms(ctx, ep, ops["get"], response)
        return task

    def with_options(body: dict[str, Any], external: str, url: str | None) -> dict[str, Any]:
        return {**body, "external_task_id": external, **({"callback_url": url} if url else {})}

    return Surface(
        create=lambda body: checks.response_conforms(
            ctx, ep, ops["create"], target.request("POST", endpoint.path, json=body)
        ),
        one=one,
        by_external=one if endpoint.query_by_external_id else None,
        listed=lambda: checks.response_conforms(
            ctx, ep, ops["list"], _request(harness, "GET", endpoint.path)
        ),
        with_options=with_options,
        callback_schema="common/callback.json",
        view=lambda task: task,
    )


def _model_path(harness: Harness, endpoint: Endpoint) -> Surface:
    """Created at the model's path, queried and listed through ``/tasks`` (the same store
    for every task), statuses spelt ``succeeded`` (new-design-api.md 4-6)."""
    ctx, target, ep = harness.ctx, harness.target, endpoint.id
    by_id = {op.op_id: op for op in harness.registry}
    create_op = by_id[f"{ep}.create"]
    get_op, list_op = by_id["tasks-get.call"], by_id["tasks-list.call"]

    def query(param: str, value: str) -> dict[str, Any]:
        response = _request(harness, "GET", "/tasks", params={param: value})
        found = checks.response_conforms(ctx, ep, get_op, response)
        if len(found) != 1:
            raise checks.CheckFailure("response_conforms", f"/tasks?{param}={value}: {found}")
        return model_path_view(found[0])

    def listed() -> list[dict[str, Any]]:
        response = _request(harness, "POST", "/tasks", json={"limit": 500})
        page = checks.response_conforms(ctx, ep, list_op, response)
        return [model_path_view(task) for task in page["result"]]

    def with_options(body: dict[str, Any], external: str, url: str | None) -> dict[str, Any]:
        options = {**body.get("options", {}), "external_task_id": external}
        return {**body, "options": {**options, **({"callback_url": url} if url else {})}}

    return Surface(
        create=lambda body: model_path_view(
            checks.response_conforms(
                ctx, ep, create_op, target.request("POST", endpoint.path, json=body)
            )
        ),
        one=lambda ident: query("task_ids", ident),
        by_external=lambda external: query("external_task_ids", external),
        listed=listed,
        with_options=with_options,
        callback_schema="model-path/common/task.json",
        view=model_path_view,
    )


def model_path_view(task: Any) -> dict[str, Any]:
    """A model-path task object in the legacy keys the named checks read."""
    if not isinstance(task, dict):
        return {}
    status = task.get("status")
    return {
        "task_id": task.get("id"),
        "task_status": "succeed" if status == "succeeded" else status,
        "task_status_msg": task.get("message", ""),
        "task_info": {"external_task_id": task["external_id"]} if "external_id" in task else {},
        "task_result": {"outputs": task.get("outputs", [])},
        "created_at": task.get("create_time"),
        "updated_at": task.get("update_time"),
        "billing": task.get("billing"),
    }


def _request(harness: Harness, method: str, path: str, **kwargs: Any) -> Any:
    harness.recorder.requests += 1
    return harness.target.request(method, path, **kwargs)


def task_flow(harness: Harness, endpoint: Endpoint, body: dict[str, Any]) -> dict[str, Any]:
    """Create one task and check everything about it; returns the final task (viewed)."""
    ctx, target, ep = harness.ctx, harness.target, endpoint.id
    surface = (_legacy if endpoint.queried_per_endpoint else _model_path)(harness, endpoint)
    external = unique_external_id()
    url = harness.receiver.url(external) if harness.receiver is not None else None
    body = surface.with_options(body, external, url)
    harness.recorder.requests += 1
    created = surface.create(body)
    harness.guard.record_spend()
    seen = [surface.one(created["task_id"])]
    waited, step = 0.0, (0.5 if target.has_clock else harness.poll_interval)
    while seen[-1]["task_status"] not in checks.TERMINAL:
        if waited > harness.profile.poll_timeout_s:
            raise checks.CheckFailure(
                "lifecycle_monotonic",
                f"task {created['task_id']} still {seen[-1]['task_status']} after {waited:.0f}s",
            )
        target.wait(step)
        waited += step
        seen.append(surface.one(created["task_id"]))
    checks.lifecycle_monotonic(ctx, ep, seen)
    final = seen[-1]
    checks.query_equals_list(ctx, ep, final, surface.listed())
    by_external = surface.by_external(external) if surface.by_external else None
    checks.external_id_roundtrip(ctx, ep, external, final, by_external)
    if final["task_status"] == "succeed":
        checks.media_downloads(
            ctx, ep, lambda url: target.client.get(url), {**final, "_request": body}
        )
    if harness.receiver is not None:
        payloads = harness.receiver.received(external)
        if payloads or harness.expect_callbacks:
            payloads = harness.receiver.settled(external, CALLBACK_GRACE_S, surface.view)
            if not payloads:
                raise checks.CheckFailure("callbacks_in_order", "no callback arrived")
            get_op = next(
                (o for o in harness.registry if o.endpoint.id == ep and o.action == "get"), None
            )
            checks.callbacks_in_order(
                ctx, ep, get_op, payloads, schema=surface.callback_schema, view=surface.view
            )
    task: dict[str, Any] = final
    return task
