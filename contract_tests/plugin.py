"""pytest plugin (entry point ``pytest11``): Kling contract options, fixtures and the summary.

Loaded automatically wherever kling-mock is installed. It adds:
- options ``--kling-target``, ``--kling-base-url``, ``--kling-allow-spend``, ``--kling-profile``,
  ``--kling-app``, ``--kling-image-url``, ``--kling-expect-callbacks``, ``--kling-strict``;
- fixtures ``kling`` (the session's contract harness) and ``kling_fake`` (Kling's hosts routed
  to an in-process fake with respx, for testing your own httpx-based client);
- a coverage summary at the end of any session that ran contract checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contract_tests.profiles import PROFILES, TARGET_KINDS
from contract_tests.report import Recorder

_RECORDER = pytest.StashKey[Recorder]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kling", "Kling API contract tests (kling-mock)")
    group.addoption(
        "--kling-target",
        choices=TARGET_KINDS,
        default="in-process",
        help="where to run the contract checks (default: in-process fake)",
    )
    group.addoption(
        "--kling-base-url",
        default=None,
        help="base URL for --kling-target=url (or to override the real host)",
    )
    group.addoption(
        "--kling-allow-spend",
        type=int,
        default=0,
        metavar="N",
        help="against real Kling, allow at most N billable tasks (default 0: free checks only)",
    )
    group.addoption(
        "--kling-profile",
        choices=sorted(PROFILES),
        default="ci",
        help="examples per endpoint: smoke (fewest), ci (default), dev, thorough",
    )
    group.addoption(
        "--kling-app",
        default="mock_server.app:create_app",
        metavar="MOD:FACTORY",
        help="ASGI app factory for the in-process target, called f(settings, clock=)",
    )
    group.addoption(
        "--kling-image-url", default=None, help="image URL used wherever a request needs an image"
    )
    group.addoption(
        "--kling-expect-callbacks",
        action="store_true",
        help="fail a flow when its task sends no callback",
    )
    group.addoption(
        "--kling-strict",
        action="store_true",
        help="judge bodies with the strict schemas (unknown fields rejected)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RECORDER] = Recorder()
    config.addinivalue_line("markers", "kling_billable: creates billable Kling tasks")


@pytest.fixture(scope="session")
def kling(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The contract harness for this session (target, oracle, generator, guard, recorder)."""
    from contract_tests.harness import Options, build
    from contract_tests.targets import TargetError

    get = request.config.getoption
    options = Options(
        target=get("--kling-target"),
        base_url=get("--kling-base-url"),
        allow_spend=get("--kling-allow-spend"),
        profile=get("--kling-profile"),
        app=get("--kling-app"),
        expect_callbacks=get("--kling-expect-callbacks"),
        strict=get("--kling-strict"),
    )
    if get("--kling-image-url"):
        options.image_url = get("--kling-image-url")
    try:
        harness = build(options, request.config.stash[_RECORDER])
    except TargetError as exc:
        pytest.exit(f"kling contract: {exc}", returncode=4)
    for line in harness.guard.describe():
        request.config.get_terminal_writer().line(line)
    yield harness
    harness.close()


@pytest.fixture
def kling_fake() -> Iterator[Any]:
    """Kling's hosts answered by a fresh in-process fake (see mock_server.respx_router)."""
    from mock_server.respx_router import kling_respx

    with kling_respx() as fake:
        yield fake


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    recorder = config.stash.get(_RECORDER, None)
    if recorder is None or not recorder.outcomes:
        return
    from mock_server.spec.loader import load_spec
    from mock_server.spec.registry import Registry

    terminalreporter.section("kling contract coverage")
    for line in recorder.lines(Registry(load_spec())):
        terminalreporter.write_line(line)
