"""Printing `make bench`'s tables and keeping the score: every target gets PASS or MISS, and the
last line counts them (run.py exits 1 on a MISS unless --no-fail)."""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

from drivers import Result


class Score:
    def __init__(self) -> None:
        self.verdicts: list[tuple[str, bool]] = []
        self.skipped: list[str] = []

    def check(self, label: str, passed: bool) -> str:
        self.verdicts.append((label, passed))
        return "PASS" if passed else "MISS"

    def skip(self, label: str) -> None:
        self.skipped.append(label)

    @property
    def missed(self) -> list[str]:
        return [label for label, passed in self.verdicts if not passed]

    def summary(self) -> str:
        passed = len(self.verdicts) - len(self.missed)
        line = f"targets: {passed} PASS, {len(self.missed)} MISS"
        if self.skipped:
            line += f", {len(self.skipped)} skipped ({', '.join(self.skipped)})"
        if self.missed:
            line += "\nmissed: " + "; ".join(self.missed)
        return line


def count(n: int) -> str:
    """1000000 -> 1M, 100000 -> 100k."""
    for div, unit in ((1_000_000, "M"), (1000, "k")):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return f"{n:,}"


def row(name: str, r: Result, ratio: str = "", target: str = "", verdict: str = "") -> str:
    return (
        f"{name:<34}{r.rps:>8.0f}{ratio:>7}{target:>8}  {verdict:<4}"
        f"{r.cpu_us:>11.0f}{r.p50_ms:>8.2f}{r.p99_ms:>8.2f}"
    )


HEADER = (
    f"{'scenario':<34}{'req/s':>8}{'vs C':>7}{'target':>8}  {'':4}"
    f"{'CPU us/req':>11}{'p50 ms':>8}{'p99 ms':>8}"
)


def _tool_version(command: list[str], word: int) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.split()
        return out[word] if len(out) > word else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((x.split(":", 1)[1].strip() for x in lines if x.startswith("model name")), "?")
    extras = [m for m in ("httptools", "uvloop") if importlib.util.find_spec(m)]
    tools = f"wrk {_tool_version(['wrk', '-v'], 1)}"
    if shutil.which("hey"):
        tools += f", hey {_tool_version(['dpkg-query', '-W', 'hey'], 1)}"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} CPUs, Linux {platform.release()}, load average {load}; Python "
        f"{platform.python_version()}, uvicorn {version('uvicorn')} "
        f"({'+'.join(extras) or 'no uvloop/httptools'}), starlette {version('starlette')}, "
        f"{tools}"
    )
