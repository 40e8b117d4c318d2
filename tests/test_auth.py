"""Authorization as Kling does it: JWT HS256 (iss, exp, nbf) or a plain API key -> 1001-1004."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import httpx
import jwt
import pytest

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.accounts import Account
from mock_server.auth import Authenticator
from tests.conftest import ok

pytestmark = pytest.mark.anyio
PATH = "/v1/videos/text2video"


def _token(claims: dict[str, object], secret: str = "mock-secret-key", alg: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=alg)


def _unsigned(claims: dict[str, object]) -> str:
    def part(d: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def _code(client: httpx.AsyncClient, header: str | None) -> tuple[int, int, str]:
    headers = {} if header is None else {"Authorization": header}
    client.headers.pop("Authorization", None)
    response = await client.get(PATH, headers=headers)
    body = response.json()
    return response.status_code, body["code"], body["message"]


async def test_missing_header_returns_1001(client: httpx.AsyncClient) -> None:
    assert (await _code(client, None))[:2] == (401, 1001)


async def test_empty_header_returns_1001(client: httpx.AsyncClient) -> None:
    assert (await _code(client, "  "))[:2] == (401, 1001)


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Token x.y.z", "Bearer not-a-jwt"])
async def test_malformed_header_returns_1002(client: httpx.AsyncClient, header: str) -> None:
    assert (await _code(client, header))[:2] == (401, 1002)


async def test_bad_signature_returns_1002(client: httpx.AsyncClient, clock: ManualClock) -> None:
    now = clock.now_ms() // 1000
    token = _token({"iss": "mock-access-key", "exp": now + 1800, "nbf": now - 5}, "wrong-secret")
    status, code, message = await _code(client, f"Bearer {token}")
    assert (status, code) == (401, 1002)
    assert "signature" in message


async def test_unknown_access_key_returns_1002(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    now = clock.now_ms() // 1000
    token = _token({"iss": "someone-else", "exp": now + 1800, "nbf": now - 5})
    assert (await _code(client, f"Bearer {token}"))[:2] == (401, 1002)


async def test_alg_none_returns_1002(client: httpx.AsyncClient, clock: ManualClock) -> None:
    now = clock.now_ms() // 1000
    token = _unsigned({"iss": "mock-access-key", "exp": now + 1800, "nbf": now - 5})
    assert (await _code(client, f"Bearer {token}"))[:2] == (401, 1002)


async def test_other_algorithm_returns_1002(client: httpx.AsyncClient, clock: ManualClock) -> None:
    now = clock.now_ms() // 1000
    token = _token({"iss": "mock-access-key", "exp": now + 1800}, alg="HS512")
    assert (await _code(client, f"Bearer {token}"))[:2] == (401, 1002)


async def test_non_numeric_exp_returns_1002(client: httpx.AsyncClient) -> None:
    token = _token({"iss": "mock-access-key", "exp": "tomorrow"})
    assert (await _code(client, f"Bearer {token}"))[:2] == (401, 1002)


@pytest.mark.parametrize("claim", ["exp", "nbf"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 1e308, 10**30])
async def test_exp_or_nbf_no_clock_can_reach_returns_1002(
    client: httpx.AsyncClient, clock: ManualClock, claim: str, value: float
) -> None:
    """NaN passes every comparison and infinity never expires: both are refused, not trusted.
    (PyJWT writes NaN and Infinity as the JSON literals, as a careless client's encoder does.)"""
    now = clock.now_ms() // 1000
    claims: dict[str, object] = {"iss": "mock-access-key", "exp": now + 1800, "nbf": now - 5}
    status, code, message = await _code(client, f"Bearer {_token({**claims, claim: value})}")
    assert (status, code) == (401, 1002)
    assert message.startswith(f"Authorization is invalid: {claim} must be a number of seconds")


async def test_exp_in_the_year_9999_is_still_a_time(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    token = _token({"iss": "mock-access-key", "exp": 253_402_300_799, "nbf": 0})
    ok(await client.get(PATH, headers={"Authorization": f"Bearer {token}"}))


async def test_future_nbf_returns_1003(client: httpx.AsyncClient, clock: ManualClock) -> None:
    now = clock.now_ms() // 1000
    token = _token({"iss": "mock-access-key", "exp": now + 1800, "nbf": now + 60})
    assert (await _code(client, f"Bearer {token}"))[:2] == (401, 1003)


async def test_expired_token_returns_1004(client: httpx.AsyncClient, clock: ManualClock) -> None:
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    clock.advance(1800 + 6)
    assert (await _code(client, f"Bearer {token}"))[:2] == (401, 1004)


async def test_token_is_reusable_for_its_lifetime(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    clock.advance(1790)
    response = await client.get(PATH, headers={"Authorization": f"Bearer {token}"})
    ok(response)


async def test_extra_claims_and_lowercase_scheme_are_accepted(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    now = clock.now_ms() // 1000
    token = _token({"iss": "mock-access-key", "exp": now + 1800, "nbf": now - 5, "iat": now})
    ok(await client.get(PATH, headers={"Authorization": f"bearer {token}"}))


async def test_plain_api_key_is_accepted(
    clock: ManualClock, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    app = create_app(Settings(api_key="sk-test-123"), clock=clock)
    async with make_client(app, {"Authorization": "Bearer sk-test-123"}) as c:
        ok(await c.get(PATH))
    async with make_client(app, {"Authorization": "Bearer sk-wrong"}) as c:
        assert (await c.get(PATH)).json()["code"] == 1002


async def test_tasks_are_visible_only_to_their_account(
    tmp_path, clock: ManualClock, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    accounts = tmp_path / "accounts.json"
    accounts.write_text(
        json.dumps(
            {
                "accounts": [
                    {"access_key": "ak-one", "secret_key": "sk-one"},
                    {"access_key": "ak-two", "secret_key": "sk-two"},
                ]
            }
        )
    )
    app = create_app(Settings(accounts_file=accounts), clock=clock)
    now = clock.now_ms() / 1000
    one = {"Authorization": f"Bearer {mint_token('ak-one', 'sk-one', now)}"}
    two = {"Authorization": f"Bearer {mint_token('ak-two', 'sk-two', now)}"}
    async with make_client(app, one) as c1, make_client(app, two) as c2:
        task = ok(await c1.post(PATH, json={"prompt": "mine", "external_task_id": "e1"}))
        assert ok(await c1.get(f"{PATH}/{task['task_id']}"))["task_id"] == task["task_id"]
        assert (await c2.get(f"{PATH}/{task['task_id']}")).json()["code"] == 1201  # not found
        assert ok(await c2.get(PATH)) == []
        # external ids are unique per account, not globally
        ok(await c2.post(PATH, json={"prompt": "theirs", "external_task_id": "e1"}))


# -- the cache of verified tokens (auth.py): it saves the decode, never a time check ----------


async def test_cached_token_is_refused_with_1004_once_the_clock_passes_its_exp(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    ok(await client.get(PATH, headers={"Authorization": f"Bearer {token}"}))
    clock.advance(1800 + 6)
    assert (await _code(client, f"Bearer {token}"))[:2] == (401, 1004)


async def test_token_refused_for_its_nbf_is_accepted_once_nbf_passes(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    now = clock.now_ms() // 1000
    token = _token({"iss": "mock-access-key", "exp": now + 1800, "nbf": now + 60})
    assert (await _code(client, f"Bearer {token}"))[:2] == (401, 1003)
    clock.advance(60)
    ok(await client.get(PATH, headers={"Authorization": f"Bearer {token}"}))


def test_token_cache_is_bounded_and_evicts_the_least_recently_used(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    decodes = []
    real = jwt.decode_complete
    monkeypatch.setattr(jwt, "decode_complete", lambda *a, **k: decodes.append(1) or real(*a, **k))
    auth = Authenticator([Account("mock-access-key", "mock-secret-key")], clock, cache_size=2)
    a, b, c = (
        f"Bearer {mint_token('mock-access-key', 'mock-secret-key', clock.now_ms() / 1000 + i)}"
        for i in range(3)
    )
    for header in (a, b, a, c):  # c evicts b, the least recently used
        auth.authenticate(header)
    assert len(decodes) == 3
    auth.authenticate(a)
    assert len(decodes) == 3  # still cached
    auth.authenticate(b)
    assert len(decodes) == 4  # evicted, so decoded again


async def test_app_with_another_secret_never_accepts_a_token_another_app_verified(
    clock: ManualClock, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    header = {"Authorization": f"Bearer {mint_token('ak', 'secret-one', clock.now_ms() / 1000)}"}
    first = create_app(Settings(access_key="ak", secret_key="secret-one"), clock=clock)
    second = create_app(Settings(access_key="ak", secret_key="secret-two"), clock=clock)
    async with make_client(first, header) as c1, make_client(second, header) as c2:
        ok(await c1.get(PATH))
        response = (await c2.get(PATH)).json()
        assert (response["code"], "signature" in response["message"]) == (1002, True)
