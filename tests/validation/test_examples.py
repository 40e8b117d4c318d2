"""Every recorded example, through the HTTP app: valid bodies are accepted, each invalid body
is rejected with its code and a message naming its field (or with its exact ``message``),
strict-only cases differ by mode. A case with ``"errors": "documented"`` runs on an app with
``--errors documented`` (it shows a documented rule the live service no longer reaches)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.errors import error_table
from mock_server.examples import Case, all_cases
from mock_server.spec.registry import Registry
from mock_server.validation.images import BASE64_MESSAGE
from tests.conftest import design_headers

pytestmark = pytest.mark.anyio
_APPS: dict[tuple[bool, str], Starlette] = {}


@pytest.fixture(scope="module")
def _shared_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def clock(_shared_clock: ManualClock) -> ManualClock:
    return _shared_clock


def shared_app(clock: ManualClock, *, strict: bool = False, errors: str = "live") -> Starlette:
    """One app per mode for the whole module, reset before each use: a reset rebuilds every
    piece of state from the settings (backend.py), so each case still starts from nothing, and
    the ~1,300 cases skip compiling ~90 validators each (most of this file's time otherwise)."""
    key = (strict, errors)
    if key not in _APPS:
        _APPS[key] = create_app(Settings(strict=strict, errors=errors), clock=clock)  # type: ignore[arg-type]
    app = _APPS[key]
    app.state.backend.reset()
    return app


@pytest.fixture
def app(clock: ManualClock) -> Starlette:
    return shared_app(clock)


@pytest.fixture
def token(app: Starlette, clock: ManualClock) -> Callable[..., str]:
    """Minted after the app's reset has restarted the clock."""

    def make(access_key: str = "mock-access-key", secret_key: str = "mock-secret-key") -> str:
        return mint_token(access_key, secret_key, clock.now_ms() / 1000)

    return make


async def send(client: httpx.AsyncClient, registry: Registry, case: Case) -> httpx.Response:
    endpoint = registry.endpoints[case.endpoint]
    method = "POST" if endpoint.kind == "task" else endpoint.method
    headers = design_headers(endpoint)
    if method == "GET":
        return await client.get(endpoint.path, params=case.body, headers=headers)
    return await client.request(method, endpoint.path, json=case.body, headers=headers)


async def prepare(prepare_state: Callable[..., Any], case: Case, *, judged_field: str = "") -> Case:
    """Make the state some sync calls act on (a session, a voice), through the API itself."""
    body = prepare_state(case.endpoint, case.body, keep=judged_field)
    return dataclasses.replace(case, body=body)


def assert_rejected(response: httpx.Response, case: Case) -> None:
    body = response.json()
    assert body["code"] == case.code, f"{case.id}: {response.text}"
    assert response.status_code == error_table()[case.code]["http_status"]
    assert "data" not in body
    message = body["message"]
    if "message" in case.extra:
        assert message == case.extra["message"], case.id
        return
    assert message == BASE64_MESSAGE or case.field in message, (
        f"{case.id}: message {message!r} does not name {case.field!r}"
    )


def case_client(
    case: Case,
    client: httpx.AsyncClient,
    clock: Any,
    auth: dict[str, str],
    make_client: Callable[..., httpx.AsyncClient],
) -> httpx.AsyncClient:
    """The shared client, or one on an app with the case's --errors mode."""
    if "errors" not in case.extra:
        return client
    return make_client(shared_app(clock, errors=case.extra["errors"]), auth)


@pytest.mark.parametrize("case", all_cases("valid"), ids=lambda c: c.id)
async def test_valid_example_is_accepted(
    client: httpx.AsyncClient,
    backend,
    clock,
    auth: dict[str, str],
    make_client: Callable[..., httpx.AsyncClient],
    prepare_state: Callable[..., Any],
    case: Case,
) -> None:
    case = await prepare(prepare_state, case)
    chosen = case_client(case, client, clock, auth, make_client)
    response = await send(chosen, backend.registry, case)
    assert response.status_code == 200, f"{case.id}: {response.text}"
    assert response.json()["code"] == 0


@pytest.mark.parametrize("case", all_cases("invalid"), ids=lambda c: c.id)
async def test_invalid_example_is_rejected_with_its_code(
    client: httpx.AsyncClient,
    backend,
    clock,
    auth: dict[str, str],
    make_client: Callable[..., httpx.AsyncClient],
    prepare_state: Callable[..., Any],
    case: Case,
) -> None:
    case = await prepare(prepare_state, case, judged_field=case.field)
    chosen = case_client(case, client, clock, auth, make_client)
    assert_rejected(await send(chosen, backend.registry, case), case)


@pytest.mark.parametrize("case", all_cases("strict_invalid"), ids=lambda c: c.id)
async def test_strict_case_passes_lenient_and_fails_strict(
    client: httpx.AsyncClient,
    prepare_state: Callable[..., Any],
    backend,
    clock,
    auth: dict[str, str],
    make_client: Callable[..., httpx.AsyncClient],
    case: Case,
) -> None:
    prepared = await prepare(prepare_state, case)
    chosen = case_client(case, client, clock, auth, make_client)
    lenient = await send(chosen, backend.registry, prepared)
    assert lenient.json()["code"] == 0, f"{case.id} (lenient): {lenient.text}"
    errors = case.extra.get("errors", "live")
    strict_app = shared_app(clock, strict=True, errors=errors)
    async with make_client(strict_app, auth) as strict_client:
        # Validation comes before state: the strict app refuses the body as recorded (its ids
        # made up, their types as sent) before any lookup.
        assert_rejected(await send(strict_client, backend.registry, case), case)
