"""Multi-request flows: create -> poll (or advance the clock) -> query, list, download, and a
loopback receiver for callbacks."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
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

    def settled(self, key: str, timeout_s: float) -> list[Any]:
        """What arrived for ``key`` once a final status (succeed/failed) has arrived, or
        whatever arrived within ``timeout_s``: callbacks may trail the final poll a little."""
        deadline = time.monotonic() + timeout_s
        while True:
            payloads = self.received(key)
            final = any(
                isinstance(p, dict) and p.get("task_status") in checks.TERMINAL for p in payloads
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


def task_flow(harness: Harness, endpoint: Endpoint, body: dict[str, Any]) -> dict[str, Any]:
    """Create one task and check everything about it; returns the final task."""
    ctx, target, ep = harness.ctx, harness.target, endpoint.id
    ops = {op.action: op for op in harness.registry if op.endpoint.id == ep}
    external = unique_external_id()
    body = {**body, "external_task_id": external}
    if harness.receiver is not None:
        body["callback_url"] = harness.receiver.url(external)

    def get(path: str, **kwargs: Any) -> Any:
        harness.recorder.requests += 1
        return target.request("GET", path, **kwargs)

    harness.recorder.requests += 1
    created = checks.response_conforms(
        ctx, ep, ops["create"], target.request("POST", endpoint.path, json=body)
    )
    harness.guard.record_spend()
    path = f"{endpoint.path}/{created['task_id']}"
    seen = [checks.response_conforms(ctx, ep, ops["get"], get(path))]
    waited, step = 0.0, (0.5 if target.has_clock else harness.poll_interval)
    while seen[-1]["task_status"] not in checks.TERMINAL:
        if waited > harness.profile.poll_timeout_s:
            raise checks.CheckFailure(
                "lifecycle_monotonic",
                f"task {created['task_id']} still {seen[-1]['task_status']} after {waited:.0f}s",
            )
        target.wait(step)
        waited += step
        seen.append(checks.response_conforms(ctx, ep, ops["get"], get(path)))
    checks.lifecycle_monotonic(ctx, ep, seen)
    final = seen[-1]
    listed = checks.response_conforms(ctx, ep, ops["list"], get(endpoint.path))
    checks.query_equals_list(ctx, ep, final, listed)
    by_external = None
    if endpoint.query_by_external_id:
        by_external = checks.response_conforms(
            ctx, ep, ops["get"], get(f"{endpoint.path}/{external}")
        )
    checks.external_id_roundtrip(ctx, ep, external, final, by_external)
    if final["task_status"] == "succeed":
        checks.media_downloads(
            ctx, ep, lambda url: target.client.get(url), {**final, "_request": body}
        )
    if harness.receiver is not None:
        payloads = harness.receiver.received(external)
        if payloads or harness.expect_callbacks:
            payloads = harness.receiver.settled(external, CALLBACK_GRACE_S)
            if not payloads:
                raise checks.CheckFailure("callbacks_in_order", "no callback arrived")
            checks.callbacks_in_order(ctx, ep, ops["get"], payloads)
    task: dict[str, Any] = final
    return task
