"""Load drivers. wrk (-t1, one thread on loopback) measures throughput; hey measures tails,
because it writes every request's latency and start offset (-o csv), so a warm-up second
can be cut out of the same run. Without hey, tails come from wrk's own latency histogram
after a separate warm-up run. Either way the server's CPU time per request comes from
/proc/<pid>/stat over the measured part only.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from servers import HERE, Server

WRK_HELP = "wrk not found: install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: dict[str, Any] | None = None
    auth: str | None = None  # the Authorization header
    expect_2xx: bool = True


@dataclass(frozen=True)
class Result:
    requests: int
    rps: float
    cpu_us: float  # server CPU per request
    p50_ms: float
    p99_ms: float


def median(results: list[Result]) -> Result:
    """Per field: the median over rounds."""
    return Result(
        requests=int(statistics.median(r.requests for r in results)),
        rps=statistics.median(r.rps for r in results),
        cpu_us=statistics.median(r.cpu_us for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
    )


def tail_driver(choice: str = "auto") -> str:
    if choice == "auto":
        return "hey" if shutil.which("hey") else "wrk"
    return choice


def _check(what: str, bad: int, errors: int) -> None:
    if bad or errors:
        sys.exit(
            f"{what}: {bad} unexpected statuses, {errors} socket errors; the numbers would "
            "mean nothing"
        )


def wrk(server: Server, req: Request, seconds: int, connections: int = 8) -> Result:
    env = {**os.environ, "BENCH_METHOD": req.method}
    if req.auth:
        env["BENCH_AUTH"] = req.auth
    if req.body is not None:
        env["BENCH_BODY"] = json.dumps(req.body)
    url = server.base + req.path
    cpu = server.cpu_s()
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(HERE / "wrk.lua"), url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = server.cpu_s() - cpu
    stats = json.loads(out.split("BENCH ", 1)[1])
    n = stats["requests"]
    bad = stats["non2xx"] if req.expect_2xx else n - stats["non2xx"]
    _check(f"{req.method} {req.path}", bad, stats["socket_errors"])
    return Result(
        requests=n,
        rps=n / (stats["duration_us"] / 1e6),
        cpu_us=cpu / max(n, 1) * 1e6,
        p50_ms=stats["p50_us"] / 1000,
        p99_ms=stats["p99_us"] / 1000,
    )


def hey(server: Server, req: Request, seconds: float, connections: int, warmup: float) -> Result:
    """One hey run of ``warmup + seconds``; requests that started in the first ``warmup``
    seconds are left out, and the CPU time is read when the warm-up ends."""
    args = ["hey", "-z", f"{warmup + seconds}s", "-c", str(connections), "-cpus", "1"]
    args += ["-m", req.method, "-o", "csv", "-t", "20"]
    if req.auth:
        args += ["-H", f"Authorization: {req.auth}"]
    if req.body is not None:
        args += ["-T", "application/json", "-d", json.dumps(req.body)]
    process = subprocess.Popen([*args, server.base + req.path], stdout=subprocess.PIPE, text=True)
    time.sleep(warmup)
    cpu = server.cpu_s()
    out, _ = process.communicate()
    cpu = server.cpu_s() - cpu
    if process.returncode:
        sys.exit(f"hey exited with {process.returncode}")
    rows = list(csv.DictReader(io.StringIO(out)))
    total = len(rows)
    kept = [r for r in rows if float(r["offset"]) >= warmup]
    statuses = [int(r["status-code"]) for r in kept]
    bad = sum(1 for s in statuses if (200 <= s < 300) != req.expect_2xx)
    _check(f"{req.method} {req.path}", bad, 0)
    if not kept:
        sys.exit(f"hey: no request after the first {warmup} s of {total}")
    latencies = sorted(float(r["response-time"]) * 1000 for r in kept)
    n = len(latencies)
    return Result(
        requests=n,
        rps=n / seconds,
        cpu_us=cpu / n * 1e6,
        p50_ms=latencies[n // 2],
        p99_ms=latencies[min(n - 1, int(n * 0.99))],
    )


def tails(
    driver: str, server: Server, req: Request, seconds: float, connections: int, warmup: int
) -> Result:
    """Steady-state latency: one hey run with its first ``warmup`` seconds left out, or (wrk)
    a warm-up run and then a measured one."""
    if driver == "hey":
        return hey(server, req, seconds, connections, warmup)
    if warmup:
        wrk(server, req, warmup, connections)
    return wrk(server, req, max(1, round(seconds)), connections)
