"""Shared fixtures: an app on a manual clock, an httpx client on ASGITransport, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.accounts import DEFAULT_API_KEY
from mock_server.backend import Backend

pytest_plugins = ["pytester"]
BASE_URL = "http://kling.test"
# 2026-01-01T00:00:00Z: a fixed start for tests that compare whole runs byte for byte.
FIXED_START_MS = 1_767_225_600_000


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def app(settings: Settings, clock: ManualClock) -> Starlette:
    return create_app(settings, clock=clock)


@pytest.fixture
def backend(app: Starlette) -> Backend:
    b: Backend = app.state.backend
    return b


@pytest.fixture
def token(clock: ManualClock) -> Callable[..., str]:
    def make(access_key: str = "mock-access-key", secret_key: str = "mock-secret-key") -> str:
        return mint_token(access_key, secret_key, clock.now_ms() / 1000)

    return make


@pytest.fixture
def auth(token: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token()}"}


@pytest.fixture
async def client(app: Starlette, auth: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=auth) as c:
        yield c


@pytest.fixture
def make_client() -> Callable[..., httpx.AsyncClient]:
    """For tests that need a second app (strict mode, other settings)."""

    def make(app: Starlette, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers=headers or {}
        )

    return make


def ok(response: httpx.Response) -> Any:
    """The data of a success envelope, with a helpful failure otherwise."""
    body = response.json()
    assert response.status_code == 200 and body["code"] == 0, response.text
    assert body["message"] == "SUCCEED"
    return body["data"]


@pytest.fixture
def prepare_state(
    app: Starlette, clock: ManualClock, auth: dict[str, str]
) -> Iterator[Callable[..., Any]]:
    """``prepare(endpoint, body, keep="")``: make the state a sync call acts on (a session, a
    voice) and the objects the body names by id (x-kling-ref) through the API itself, with the
    contract harness's setups."""
    from contract_tests.setups import SetupRefused
    from contract_tests.setups import prepare as setups_prepare
    from mock_server.asgi_bridge import AsgiBridge

    with (
        AsgiBridge(app) as bridge,
        httpx.Client(
            transport=httpx.MockTransport(bridge), base_url=BASE_URL, headers=auth
        ) as sync,
    ):

        def send(method: str, path: str, body: dict[str, Any]) -> Any:
            data = sync.request(method, path, json=body if method == "POST" else None).json()
            if data["code"] != 0:
                raise SetupRefused(data["message"])
            return data["data"]

        refs = app.state.backend.references

        def prepare(endpoint: str, body: Any, keep: str = "") -> Any:
            return setups_prepare(
                endpoint, body, send, clock.advance, keep=keep, refs=refs.of(endpoint)
            )

        yield prepare


def design_headers(endpoint: Any) -> dict[str, str]:
    """The credential an endpoint's design takes: the shared clients carry a JWT, and the
    model-path design takes only the API key (new-design-api.md 1.2)."""
    if endpoint.design.auth == "api-key":
        return {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    return {}
