"""`make bench`: the fake as real uvicorn servers beside a bare one-route Starlette app (C) and a
raw ASGI app, with the targets of issue 13. BENCHMARKS.md describes the method.

1. Throughput: every scenario driven with wrk on loopback, in interleaved rounds after a
   warm-up; medians of requests/s, the ratio to C, the server's CPU per request (procfs).
   Includes list page 300 and the flatness pairs on fakes preloaded with finished tasks
   (30, and 1,000,000; bench/serve_preloaded.py), and Prism when it is installed.
2. Tails: p99 at 8 and 64 connections with hey (or wrk), the first second dropped.
3. Full GC pauses and memory per stored task of the big store.
4. Store growth: six POST runs back to back against one server.
5. In-process create and GET (httpx.ASGITransport), and start-up to the first 200.

    python bench/run.py              # 6-7 minutes (the 1M preload takes a minute or more)
    python bench/run.py --quick      # about a minute: fewer, shorter runs, 100k stored tasks
    python bench/run.py --no-fail    # exit 0 even when a target is missed

Exit status 1 when any target is missed. Numbers are only comparable on one machine and only
while nothing else is busy on it.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from dataclasses import dataclass

import httpx
import scenarios as sc
from drivers import WRK_HELP, Result, median, tail_driver, wrk
from inprocess import in_process
from latency import measure_growth, measure_tails, new_task
from report import HEADER, Score, count, machine, row
from scenarios import PATH, Ids, Scenario
from servers import (
    Server,
    launch_preloaded,
    launch_prism,
    launch_uvicorn,
    prism_command,
    prism_version,
    ready,
    ready_preloaded,
    start_fake,
    token,
)

PRISM_HELP = "install it with `make bench-tools` (npm, into bench/.tools) or set PRISM=/path"


@dataclass(frozen=True)
class Mode:
    rounds: int
    seconds: int  # per scenario per round
    tail_rounds: int
    tail_seconds: int  # measured, after a 1 s warm-up
    growth_seconds: float
    store: int  # tasks in the big store


FULL = Mode(rounds=5, seconds=2, tail_rounds=3, tail_seconds=4, growth_seconds=10, store=10**6)
QUICK = Mode(rounds=2, seconds=1, tail_rounds=1, tail_seconds=1, growth_seconds=1, store=10**5)


def start_servers(store: int) -> tuple[dict[str, Server], float, str | None]:
    """The fake first, alone (its start-up is timed), then the others all at once."""
    fake, startup_s = start_fake(PATH)
    servers = {"fake": fake}
    try:
        command = prism_command()
        version = None
        if command is not None:  # the document is built on first use: ask while nothing runs
            version = prism_version(command)
            openapi = httpx.get(fake.base + "/openapi.json", timeout=60).json()
            servers["prism"] = launch_prism(command, openapi)
        servers["big"] = launch_preloaded(store)
        servers["small"] = launch_preloaded(sc.SMALL_STORE)
        servers["bare"] = launch_uvicorn("bare:app")
        servers["raw"] = launch_uvicorn("bare:raw")
        for key in ("bare", "raw"):
            ready(servers[key])
        if "prism" in servers:
            ready(servers["prism"], any_status=True)
        for key in ("small", "big"):
            ready_preloaded(servers[key], PATH)
    except BaseException:
        stop(servers)
        raise
    return servers, startup_s, version


def stop(servers: dict[str, Server]) -> None:
    for server in servers.values():
        server.stop()


def warm_up(servers: dict[str, Server], scenarios: list[Scenario], n: int = 100) -> None:
    """A short burst per scenario (--quick; the full run warms up with a wrk round)."""
    for s in scenarios:
        req = s.request
        headers = {"Authorization": req.auth} if req.auth else {}
        with httpx.Client(base_url=servers[s.server].base, headers=headers, timeout=30) as client:
            for _ in range(n):
                client.request(req.method, req.path, json=req.body)


def interleave(
    servers: dict[str, Server], scenarios: list[Scenario], mode: Mode, quick: bool
) -> dict[str, Result]:
    """A warm-up (a 1 s wrk round, or in --quick a burst of requests), then rounds that
    rotate the order. Medians per scenario."""
    runs: dict[str, list[Result]] = {s.name: [] for s in scenarios}
    if quick:
        warm_up(servers, scenarios)
    for r in range(0 if quick else -1, mode.rounds):
        shift = r % len(scenarios)
        for s in scenarios[shift:] + scenarios[:shift]:
            result = wrk(servers[s.server], s.request, mode.seconds if r >= 0 else 1)
            if r >= 0:
                runs[s.name].append(result)
    return {name: median(results) for name, results in runs.items()}


def print_throughput(scenarios: list[Scenario], med: dict[str, Result], score: Score) -> None:
    print(HEADER)
    c_rps = med[scenarios[0].name].rps
    for s in scenarios:
        r = med[s.name]
        ratio = r.rps / c_rps
        verdict = target = ""
        if s.target is not None:
            target = f">={s.target:.0%}"
            verdict = score.check(f"{s.name} {ratio:.0%} of C", ratio >= s.target)
        print(row(s.name, r, f"{ratio:.0%}", target, verdict))


def report_flatness(med: dict[str, Result], servers: dict[str, Server], score: Score) -> None:
    big = servers["big"].info
    label = count(big["tasks"])
    print(
        f"\nflatness, {sc.SMALL_STORE} -> {label} stored tasks (preloaded without HTTP in "
        f"{big['seconds']:.1f} s; target: {label} within {sc.FLATNESS:.0%} of {sc.SMALL_STORE})"
    )
    print(f"{'':22}{'req/s':>8}{'req/s':>8}{'ratio':>7}{'p99 ms':>8}{'p99 ms':>8}{'ratio':>7}")
    print(f"{'':22}{sc.SMALL_STORE:>8}{label:>8}{'':>7}{sc.SMALL_STORE:>8}{label:>8}")
    for read in sc.FLAT_READS:
        small, large = med[sc.flat(read, str(sc.SMALL_STORE))], med[sc.flat(read, label)]
        rps, p99 = large.rps / small.rps, large.p99_ms / small.p99_ms
        ok = rps >= 1 - sc.FLATNESS and p99 <= 1 + sc.FLATNESS
        verdict = score.check(f"{read} flat to {label} (req/s {rps:.0%}, p99 {p99:.0%})", ok)
        print(
            f"{read:<22}{small.rps:>8.0f}{large.rps:>8.0f}{rps:>7.0%}"
            f"{small.p99_ms:>8.2f}{large.p99_ms:>8.2f}{p99:>7.0%}  {verdict}"
        )
    per_task = big["bytes_per_task"]
    ok = per_task <= sc.BYTES_PER_TASK
    verdict = score.check(f"{per_task} B per stored task", ok)
    print(
        f"memory per stored task: {per_task} B (RSS delta / {label}; server RSS "
        f"{big['rss_mb']} MB)  target <={sc.BYTES_PER_TASK} B  {verdict}"
    )
    gc = servers["big"].gc_pauses()
    pauses = ", ".join(f"{p:.0f}" for p in gc["pauses_ms"])
    print(
        f"full GC pause at {label} (gc.collect(), 3 in a row): {pauses} ms; "
        f"{gc['tracked_objects']:,} objects tracked, {gc['frozen_objects']:,} frozen"
    )


def print_prism(med: dict[str, Result], version: str | None, score: Score) -> None:
    if version is None:
        score.skip("Prism")
        print(f"\nPrism: skipped, prism not found: {PRISM_HELP}")
        return
    ratio = med["valid create"].rps / med[sc.PRISM_CREATE].rps
    verdict = score.check(f"{ratio:.1f}x Prism's creates/s", ratio >= sc.PRISM_RATIO)
    print(
        f"\nPrism {version} (prism mock on the fake's /openapi.json), valid create: the fake "
        f"{ratio:.1f}x Prism's req/s  target >={sc.PRISM_RATIO:g}x  {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs (about 1 min)")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even on a MISS")
    parser.add_argument("--store", type=int, help="tasks in the big store (default 1M; 100k)")
    parser.add_argument(
        "--tails", choices=("auto", "hey", "wrk"), default="auto", help="tail driver (auto: hey)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit(WRK_HELP)
    mode = QUICK if args.quick else FULL
    store = args.store or mode.store
    if store < sc.DEEP_PAGE * sc.PAGE_SIZE:
        sys.exit(f"--store: list page {sc.DEEP_PAGE} needs {sc.DEEP_PAGE * sc.PAGE_SIZE} tasks")
    score = Score()
    print(f"kling-mock bench{' --quick' if args.quick else ''}\n{machine()}", flush=True)
    servers, startup_s, prism = start_servers(store)
    try:
        jwt = token()
        made = [new_task(servers["fake"], jwt) for _ in range(sc.PREFILLED)]
        ids = Ids(made[-1], servers["small"].info["last_id"], servers["big"].info["last_id"])
        scenarios = sc.throughput(jwt, ids, count(store), prism is not None)
        med = interleave(servers, scenarios, mode, args.quick)
        print(
            f"\nthroughput: {mode.rounds} rounds x {mode.seconds} s per scenario, wrk -t1 -c8, "
            "medians"
        )
        print_throughput(scenarios, med, score)
        report_flatness(med, servers, score)
        print_prism(med, prism, score)
        driver = tail_driver(args.tails)
        measure_tails(driver, servers, jwt, mode.tail_rounds, mode.tail_seconds, score)
        measure_growth(driver, servers["small"], jwt, mode.growth_seconds, score)
    finally:
        stop(servers)
    ms = asyncio.run(in_process(rounds=3 if args.quick else 10))
    print()
    for label, value, target, unit in (
        ("in-process validated POST (ASGITransport)", ms["post"], 0.5, "ms"),
        ("in-process GET by id (ASGITransport)", ms["get"], None, "ms"),
        ("start-up to first 200", startup_s, 1.0, "s"),
    ):
        verdict = ""
        if target is not None:
            verdict = f"target <={target:g} {unit}  " + score.check(label, value <= target)
        print(f"{label:<43}{value:>7.3f} {unit:<3} {verdict}")
    print("\n" + score.summary())
    sys.exit(1 if score.missed and not args.no_fail else 0)


if __name__ == "__main__":
    main()
