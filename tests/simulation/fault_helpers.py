"""Shared by the fault-middleware tests: a fake with recorded sleeps, a tiny app behind the
fault middleware that records the scope it receives, and error unpacking."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.backend import Backend
from mock_server.simulation.middleware import FaultMiddleware
from tests.conftest import BASE_URL

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

    app = FaultMiddleware(recorder, backend, sleep=sleep)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        yield Fake(Starlette(), backend, c, slept), seen


def error(response: httpx.Response) -> tuple[int, int, str]:
    body = response.json()
    assert set(body) == {"code", "message", "request_id"}, body
    return response.status_code, body["code"], body["message"]


GOOD = """{
  "description": "demo",
  "rules": [
    {
      "match": {"endpoint": "text2video"},
      "when": {"probability": 0.5},
      "effect": {"error": {"code": 1303}}
    }
  ]
}
"""


def write(tmp_path: Path, text: str, name: str = "faults.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
