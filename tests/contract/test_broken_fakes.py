"""The harness catches seeded faults: each broken fake makes the matching check fail, and
the healthy fake passes the same selection."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.paths import REPO_ROOT as ROOT


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
