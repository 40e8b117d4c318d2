"""The harness catches seeded faults: each broken fake makes the matching check fail, and
the healthy fake passes the same selection."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from contract_tests.mutations import Mutation, mutations, recorded
from contract_tests.oracle import Oracle
from contract_tests.spend import minimal_body
from mock_server.spec.loader import load_spec
from mock_server.spec.registry import Registry
from tests.contract import broken_fakes
from tests.paths import REPO_ROOT as ROOT

REGISTRY = Registry(load_spec())


def contract(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "contract_tests",
            "-p",
            "no:cacheprovider",
            "-q",
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )


@pytest.mark.parametrize(
    ("app", "selection", "extra", "expected"),
    [
        ("accepts_any_duration", "mutations and text2video", [], "[invalid_rejected]"),
        (
            "skips_image_checks",
            "mutations and image-generations",
            [],
            "[invalid_rejected] accepted a body that breaks x-kling-image at image",
        ),
        (
            "ignores_sum_rule",
            "mutations and text2video",
            [],
            "[invalid_rejected] accepted a body that breaks its recorded rule at multi_prompt "
            "(multi_prompt durations do not sum to duration)",
        ),
        (
            "says_succeeded",
            "task_flow and text2video",
            [],
            "[response_conforms] text2video.get: $.task_status: 'succeeded' is not one of",
        ),
        (
            "sends_callbacks_out_of_order",
            "task_flow and image-generations",
            [],
            "[callbacks_in_order] out of order",
        ),
        (
            "sends_no_callbacks",
            "task_flow and image-generations",
            ["--kling-expect-callbacks"],
            "[callbacks_in_order] no callback arrived",
        ),
    ],
)
def test_seeded_fault_fails_its_check(
    app: str, selection: str, extra: list[str], expected: str
) -> None:
    factory = (
        f"tests.contract.broken_fakes:{app}"
        if app != "create_app"
        else "mock_server.app:create_app"
    )
    result = contract(f"--kling-app={factory}", "-k", selection, *extra)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert expected in output, output[-3000:]


@pytest.mark.parametrize(
    ("app", "selection", "extra"),
    [
        ("mock_server.app:create_app", "(mutations or task_flow) and text2video", []),
        (
            "mock_server.app:create_app",
            "task_flow and image-generations",
            ["--kling-expect-callbacks"],
        ),
    ],
)
def test_faithful_fake_passes_the_same_selection(
    app: str, selection: str, extra: list[str]
) -> None:
    result = contract(f"--kling-app={app}", "-k", selection, *extra)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "kling contract coverage" in output


def _case(endpoint: str, name: str) -> Mutation:
    sweep = mutations(REGISTRY, endpoint, minimal_body(endpoint)) + recorded(endpoint)
    return next(m for m in sweep if m.name == name)


@pytest.mark.parametrize(
    ("fault", "endpoint", "name"),
    [
        (broken_fakes.skip_image_checks, "image-generations", "image: x-kling-image"),
        (
            broken_fakes.ignore_sum_rule,
            "text2video",
            "example: multi_prompt durations do not sum to duration",
        ),
    ],
)
def test_code_fault_fools_the_validator_oracle_not_the_sweep(
    monkeypatch: pytest.MonkeyPatch, fault: Any, endpoint: str, name: str
) -> None:
    """Why the sweep's expectations must not come from the validator: with the fault in place
    the validator oracle calls the body valid; the sweep still expects a rejection."""
    case = _case(endpoint, name)
    op = next(o for o in REGISTRY if o.endpoint.id == endpoint and o.method == "POST")
    assert not Oracle(REGISTRY).expect(op, case.body).accepted
    fault(monkeypatch)
    assert Oracle(REGISTRY).expect(op, case.body).accepted
    assert (case.expected.code, case.expected.independent) == (1201, True)
