"""`make bench`: the fake against a bare one-route Starlette app (C), both real uvicorn servers.

Each scenario is driven with wrk on loopback, in interleaved rounds after a warm-up, and
reported as the median requests/s, its ratio to C (the target is a ratio, so the machine's
speed and the noise of other work mostly cancel out), and the server's CPU time per request
(utime + stime of the server process, from /proc/<pid>/stat). Then, without sockets: a
validated POST through httpx.ASGITransport, and the time from launching `kling-mock serve`
to its first 200.

    python bench/run.py            # about a minute
    python bench/run.py --quick    # CI-sized, about 20 s: fewer, shorter rounds

Numbers are only comparable on one machine and only while nothing else is busy on it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx

from mock_server import Settings, create_app, mint_token

HERE = Path(__file__).resolve().parent
KLING_MOCK = Path(sys.executable).with_name("kling-mock")
TICK_S = 1 / os.sysconf("SC_CLK_TCK")
PATH = "/v1/videos/text2video"
VALID = {"prompt": "a red fox in snow", "duration": "5", "aspect_ratio": "16:9", "mode": "std"}
INVALID = {"prompt": "a red fox in snow", "duration": "7"}  # 1201: duration must be 5 or 10
# The default account's 1000-unit video pack would run out (1102) within a second of creates.
ACCOUNTS = {
    "accounts": [
        {
            "access_key": "mock-access-key",
            "secret_key": "mock-secret-key",
            "resource_packs": [
                {"resource_pack_name": "bench", "pool": "video", "total_quantity": 1e12}
            ],
        }
    ]
}
PREFILLED = 30  # tasks created before the run, so "list page 1" is a full default page
WRK_HELP = "wrk not found: install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)"


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    target: float | None = None  # minimum requests/s as a fraction of C's
    expect_2xx: bool = True


@dataclass
class Server:
    process: subprocess.Popen[str]
    base: str

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * TICK_S  # utime, stime

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_fake() -> tuple[Server, float]:
    """`kling-mock serve` on a free port; also how long it took to answer its first 200."""
    args = [str(KLING_MOCK), "serve", "--port", "0", "--concurrency", "off", "--seed", "1"]
    accounts = Path(tempfile.mkdtemp()) / "accounts.json"
    accounts.write_text(json.dumps(ACCOUNTS))
    args += ["--speed", "100", "--log-level", "warning", "--accounts-file", str(accounts)]
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if " serving the Kling API at " in line:
            base = line.split(" at ", 1)[1].strip()
            break
    else:
        sys.exit(f"kling-mock serve exited with {process.wait()}")
    auth = {"Authorization": f"Bearer {token()}"}
    for _ in range(1000):
        if httpx.get(base + PATH, headers=auth).status_code == 200:
            return Server(process, base), time.perf_counter() - started
        time.sleep(0.005)
    process.terminate()
    sys.exit("kling-mock serve did not answer 200")


def start_bare() -> Server:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "--app-dir", str(HERE), "bare:app"]
    args += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    server = Server(subprocess.Popen(args, text=True), f"http://127.0.0.1:{port}")
    for _ in range(500):
        try:
            httpx.get(server.base + "/")
            return server
        except httpx.TransportError:
            time.sleep(0.01)
    sys.exit("the bare app did not start")


def token() -> str:
    return mint_token("mock-access-key", "mock-secret-key", time.time())


def wrk(server: Server, scenario: Scenario, seconds: float, auth: str) -> dict[str, float]:
    env = {**os.environ, "BENCH_METHOD": scenario.method, "BENCH_AUTH": auth}
    if scenario.body is not None:
        env["BENCH_BODY"] = json.dumps(scenario.body)
    cpu = server.cpu_s()
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            "-c8",
            f"-d{seconds}s",
            "-s",
            str(HERE / "wrk.lua"),
            server.base + scenario.path,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = server.cpu_s() - cpu
    stats = json.loads(out.split("BENCH ", 1)[1])
    bad = stats["non2xx"] if scenario.expect_2xx else stats["requests"] - stats["non2xx"]
    if bad or stats["socket_errors"]:
        sys.exit(
            f"{scenario.name}: {bad} unexpected statuses, {stats['socket_errors']} socket "
            "errors; the numbers would mean nothing"
        )
    n = stats["requests"]
    return {
        "rps": n / (stats["duration_us"] / 1e6),
        "cpu_us": cpu / n * 1e6,
        "p50_ms": stats["p50_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
    }


async def in_process(rounds: int, per_round: int = 200) -> dict[str, float]:
    """Median CPU ms per request (this process: client and app) of a validated create and of a
    GET by id, no sockets. CPU time, not wall time: other work on the machine inflates it less."""
    app = create_app(Settings(seed=1, concurrency="off"))  # ~2000 creates: within the pack
    headers = {"Authorization": f"Bearer {token()}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://x", headers=headers) as c:
        task_id = (await c.post(PATH, json=VALID)).json()["data"]["task_id"]
        times: dict[str, list[float]] = {"post": [], "get": []}
        for _ in range(rounds + 1):  # the first round warms up
            for name, call in (
                ("post", lambda: c.post(PATH, json=VALID)),
                ("get", lambda: c.get(f"{PATH}/{task_id}")),
            ):
                started = time.process_time()
                for _ in range(per_round):
                    assert (await call()).status_code == 200
                times[name].append((time.process_time() - started) / per_round * 1000)
    return {name: statistics.median(t[1:]) for name, t in times.items()}


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((x.split(":", 1)[1].strip() for x in lines if x.startswith("model name")), "?")
    extras = [m for m in ("httptools", "uvloop") if importlib.util.find_spec(m)]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1]
    return (
        f"{cpu}, {os.cpu_count()} CPUs, Linux {platform.release()}; Python "
        f"{platform.python_version()}, uvicorn {version('uvicorn')} "
        f"({'+'.join(extras) or 'no uvloop/httptools'}), starlette {version('starlette')}, "
        f"wrk {wrk_version}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (CI)")
    quick = parser.parse_args().quick
    if shutil.which("wrk") is None:
        sys.exit(WRK_HELP)
    rounds, seconds = (2, 1) if quick else (5, 2)

    fake, startup_s = start_fake()
    bare = start_bare()
    try:
        auth = f"Bearer {token()}"
        with httpx.Client(base_url=fake.base, headers={"Authorization": auth}) as c:
            ids = [c.post(PATH, json=VALID).json()["data"]["task_id"] for _ in range(PREFILLED)]
        scenarios = [
            Scenario("C: bare Starlette, GET /", "GET", "/"),
            Scenario("GET task by id (JWT)", "GET", f"{PATH}/{ids[0]}", target=0.70),
            Scenario("list page 1 (30 tasks)", "GET", f"{PATH}?pageNum=1&pageSize=30", target=0.50),
            Scenario("valid create", "POST", PATH, VALID, target=0.40),
            Scenario("invalid create (1201)", "POST", PATH, INVALID, target=0.30, expect_2xx=False),
        ]
        runs: dict[str, list[dict[str, float]]] = {s.name: [] for s in scenarios}
        for r in range(rounds + 1):  # round 0 warms up; later rounds rotate the order
            order = scenarios[r % len(scenarios) :] + scenarios[: r % len(scenarios)]
            for s in order:
                result = wrk(bare if s.path == "/" else fake, s, seconds, auth)
                if r:
                    runs[s.name].append(result)
        ms = asyncio.run(in_process(rounds=3 if quick else 10))
    finally:
        fake.stop()
        bare.stop()

    print(
        f"kling-mock bench{' --quick' if quick else ''}: {rounds} rounds x {seconds} s per "
        f"scenario, wrk -t1 -c8, medians\n{machine()}\n"
    )
    print(
        f"{'scenario':<28}{'req/s':>8}{'vs C':>7}{'target':>8}  {'':4}"
        f"{'CPU us/req':>11}{'p50 ms':>8}{'p99 ms':>8}"
    )
    c_rps = statistics.median(x["rps"] for x in runs[scenarios[0].name])
    for s in scenarios:
        med = {k: statistics.median(x[k] for x in runs[s.name]) for k in runs[s.name][0]}
        ratio = med["rps"] / c_rps
        verdict = "" if s.target is None else ("PASS" if ratio >= s.target else "MISS")
        target = "" if s.target is None else f">={s.target:.0%}"
        print(
            f"{s.name:<28}{med['rps']:>8.0f}{ratio:>7.0%}{target:>8}  {verdict:<4}"
            f"{med['cpu_us']:>11.0f}{med['p50_ms']:>8.2f}{med['p99_ms']:>8.2f}"
        )
    print()
    for label, value, target, unit in (
        ("in-process validated POST (ASGITransport)", ms["post"], 0.5, "ms"),
        ("in-process GET by id (ASGITransport)", ms["get"], None, "ms"),
        ("start-up to first 200", startup_s, 1.0, "s"),
    ):
        verdict = (
            ""
            if target is None
            else (f"target <={target:g} {unit}  {'PASS' if value <= target else 'MISS'}")
        )
        print(f"{label:<43}{value:>7.3f} {unit:<3} {verdict}")


if __name__ == "__main__":
    main()
