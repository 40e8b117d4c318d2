"""``kling-mock contract``: run the contract suite with pytest, optionally against a freshly
spawned ``kling-mock serve`` process (the url target, over real HTTP on loopback)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

SPAWN_SPEED = 50  # tasks finish in a fraction of a second, so url-target flows poll briefly


@contextmanager
def spawned_fake(
    speed: float = SPAWN_SPEED,
    command: Sequence[str] = (sys.executable, "-m", "mock_server"),
    cwd: str | None = None,
    extra: Sequence[str] = (),
) -> Iterator[str]:
    """Start ``python -m mock_server serve`` (or ``command serve``) on a free loopback port;
    yield its base URL."""
    proc = subprocess.Popen(
        [
            *command,
            "serve",
            "--port",
            "0",
            "--speed",
            str(speed),
            "--log-level",
            "warning",
            "--concurrency",  # the suite checks contracts, not limits
            "off",
            "--no-check-balance",  # the suite spends far beyond the default packs
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"(https?://127\.0\.0\.1:\d+)", first)
        if not match:
            raise RuntimeError(f"kling-mock did not start: {first}{proc.stdout.read()}")
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def pytest_args(
    target: str,
    base_url: str | None,
    profile: str | None,
    allow_spend: int | None,
    extra: Sequence[str],
) -> list[str]:
    args = ["--pyargs", "contract_tests", f"--kling-target={target}"]
    if base_url:
        args.append(f"--kling-base-url={base_url}")
    if profile:
        args.append(f"--kling-profile={profile}")
    if allow_spend is not None:
        args.append(f"--kling-allow-spend={allow_spend}")
    return [*args, *extra]


def _pytest(args: Sequence[str]) -> int:
    """pytest in a child process: a clean interpreter, and its exit code is ours."""
    return subprocess.call([sys.executable, "-m", "pytest", *args])


def run(
    target: str | None,
    base_url: str | None,
    spawn: bool,
    profile: str | None,
    allow_spend: int | None,
    extra: Sequence[str],
) -> int:
    if spawn:
        with spawned_fake() as url:
            print(f"kling contract: spawned kling-mock at {url}", flush=True)
            return _pytest(pytest_args("url", url, profile, allow_spend, extra))
    chosen = target or ("url" if base_url else "in-process")
    if chosen == "url" and base_url:
        from contract_tests.targets import TargetError, probe

        try:
            probe(base_url.rstrip("/"))
        except TargetError as exc:
            print(f"kling contract: {exc}", file=sys.stderr)
            return 4
    return _pytest(pytest_args(chosen, base_url, profile, allow_spend, extra))
