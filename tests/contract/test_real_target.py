"""The real target without network: respx sends Kling's hosts to an in-process fake, and the
harness must mint valid tokens, create nothing billable by default, and at most N tasks,
cheapest first, with --kling-allow-spend=N."""

from __future__ import annotations

from collections.abc import Iterator

import jwt
import pytest

# Imported once, before pytester's inline runs: each run then shares these modules instead of
# re-importing some of them beside stale copies held by the contract_tests package.
import contract_tests.harness
import contract_tests.test_contract  # noqa: F401
from contract_tests.spend import SpendGuard
from mock_server import Settings, SystemClock
from mock_server.respx_router import KlingFake, kling_respx

AK, SK, KEY = "ak-real-test", "sk-real-test-secret", "key-real-test"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[KlingFake]:
    monkeypatch.setenv("KLING_ACCESS_KEY", AK)
    monkeypatch.setenv("KLING_SECRET_KEY", SK)
    monkeypatch.setenv("KLING_API_KEY", KEY)  # the model-path design takes only the API key
    # A fast system clock: the harness polls the "real" target in real time.
    with kling_respx(
        Settings(access_key=AK, secret_key=SK, api_key=KEY, speed=500), clock=SystemClock()
    ) as fake:
        yield fake


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(
        "--pyargs",
        "contract_tests",
        "--kling-target=real",
        "--kling-profile=smoke",  # what is checked here does not depend on the example count
        "-p",
        "no:cacheprovider",
        *args,
    )


def test_only_free_checks_run_by_default(pytester: pytest.Pytester, fake: KlingFake) -> None:
    result = run(pytester)
    assert result.ret == 0 and result.parseoutcomes().get("failed", 0) == 0
    assert "free checks only" in result.stdout.str()
    assert fake.backend.store.tasks(AK) == [], "a billable task was created"
    assert len(fake.router.calls) > 50


def test_tokens_are_minted_as_kling_documents(pytester: pytest.Pytester, fake: KlingFake) -> None:
    run(pytester, "-k", "list_pages or account_costs")
    calls = [
        c for c in fake.router.calls if c.request.url.path != "/"
    ]  # "/": the reachability probe
    tokens = [c.request.headers["authorization"].removeprefix("Bearer ") for c in calls]
    assert tokens
    for token in tokens:
        claims = jwt.decode(token, SK, algorithms=["HS256"])
        assert claims["iss"] == AK
        assert claims["exp"] - claims["nbf"] == 1805  # exp = now + 1800, nbf = now - 5
        assert jwt.get_unverified_header(token)["typ"] == "JWT"


def test_allow_spend_creates_at_most_n_tasks_cheapest_first(
    pytester: pytest.Pytester, fake: KlingFake
) -> None:
    result = run(pytester, "-k", "task_flow", "--kling-allow-spend=2")
    out = result.stdout.str()
    assert "at most 2 billable task(s)" in out
    guard = SpendGuard(fake.backend.registry, limited=True, allowance=2)
    planned = [endpoint for endpoint, _ in guard.plan]
    for endpoint, cost in guard.plan:
        assert f"{endpoint}: ~{cost:g} units" in out
    made = sorted(task.endpoint for task in fake.backend.store.tasks(AK))
    assert made == sorted(planned)
    result.assert_outcomes(passed=2, skipped=len(guard.billable_endpoints()) - 2)


def test_plan_is_cheapest_first() -> None:
    from mock_server.spec.loader import load_spec
    from mock_server.spec.registry import Registry

    guard = SpendGuard(Registry(load_spec()), limited=True, allowance=40)
    costs = [cost for _, cost in guard.plan]
    assert costs == sorted(costs) and len(costs) == len(guard.billable_endpoints())
    assert SpendGuard(Registry(load_spec()), limited=False).may_create("text2video")


def test_missing_credentials_stop_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLING_ACCESS_KEY", raising=False)
    monkeypatch.delenv("KLING_SECRET_KEY", raising=False)
    result = run(pytester, "-k", "auth")
    assert result.ret == 4
    assert "needs KLING_ACCESS_KEY" in result.stdout.str() + result.stderr.str()


def test_without_an_api_key_the_model_path_design_is_skipped(
    pytester: pytest.Pytester, fake: KlingFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLING_API_KEY")
    result = run(pytester, "-k", "text-to-video-kling-3-0 or text2video", "-rs")
    assert result.ret == 0 and result.parseoutcomes().get("failed", 0) == 0
    assert "set KLING_API_KEY" in result.stdout.str()
    auth = {c.request.headers.get("authorization", "") for c in fake.router.calls}
    paths = {c.request.url.path for c in fake.router.calls}
    assert "/v1/videos/text2video" in paths and not any(
        p.startswith("/text-to-video") for p in paths
    )
    assert f"Bearer {KEY}" not in auth
