"""Latency under load: steady-state tails at 8 and 64 connections, and store growth (six runs
of creates back to back against one server). Both use the tail driver (drivers.py)."""

from __future__ import annotations

import httpx
import scenarios as sc
from drivers import Request, Result, median, tails
from report import Score
from scenarios import PATH, VALID
from servers import Server


def new_task(server: Server, jwt: str) -> str:
    """A new task's id. The fake keeps the newest --max-tasks (default 100,000) tasks: by the
    tails, the creates of the rounds may have evicted the tasks made at the start."""
    headers = {"Authorization": f"Bearer {jwt}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=30) as c:
        task_id: str = c.post(PATH, json=VALID).json()["data"]["task_id"]
    return task_id


def measure_tails(
    driver: str, servers: dict[str, Server], jwt: str, rounds: int, seconds: int, score: Score
) -> None:
    """p99 at 8 and 64 connections (scenarios.TAIL_TARGETS), interleaved rounds, medians."""
    auth = f"Bearer {jwt}"
    task_id = new_task(servers["fake"], jwt)
    requests = {
        sc.TAIL_C: ("bare", Request("GET", "/")),
        "GET task by id": ("fake", Request("GET", f"{PATH}/{task_id}", None, auth)),
        "valid create": ("fake", Request("POST", PATH, VALID, auth)),
    }
    runs: dict[int, list[Result]] = {i: [] for i in range(len(sc.TAIL_TARGETS))}
    for r in range(rounds):
        order = list(runs)[r % len(runs) :] + list(runs)[: r % len(runs)]
        for i in order:
            name, conns, _ = sc.TAIL_TARGETS[i]
            key, req = requests[name]
            runs[i].append(tails(driver, servers[key], req, seconds, conns, 1))
    print(
        f"\ntails ({driver}, steady state: 1 s warm-up dropped, {rounds} x {seconds} s "
        "measured, medians)"
    )
    print(f"{'':22}{'conns':>6}{'req/s':>8}{'CPU us/req':>11}{'p50 ms':>8}{'p99 ms':>8}")
    for i, results in runs.items():
        name, conns, limit = sc.TAIL_TARGETS[i]
        m = median(results)
        verdict = ""
        if limit is not None:
            label = f"{name} p99 {m.p99_ms:.1f} ms at {conns}"
            verdict = f"  <={limit:g} ms  {score.check(label, m.p99_ms <= limit)}"
        print(
            f"{name:<22}{conns:>6}{m.rps:>8.0f}{m.cpu_us:>11.0f}{m.p50_ms:>8.2f}{m.p99_ms:>8.2f}"
            + verdict
        )


def measure_growth(driver: str, server: Server, jwt: str, seconds: float, score: Score) -> None:
    """Six runs of creates back to back against one server: does the p99 grow with the store?"""
    create = Request("POST", PATH, VALID, f"Bearer {jwt}")
    tails(driver, server, create, 1, 8, 0)  # creates are new to this server: warm them up
    results = [tails(driver, server, create, seconds, 8, 0) for _ in range(sc.GROWTH_RUNS)]
    print(
        f"\nstore growth ({driver}, valid create, 8 connections, {sc.GROWTH_RUNS} runs x "
        f"{seconds:g} s back to back on one server that held {sc.SMALL_STORE} tasks)"
    )
    made = 0
    for i, r in enumerate(results, 1):
        made += r.requests
        print(f"run {i}: {r.rps:>6.0f} req/s  p99 {r.p99_ms:>6.2f} ms  ({made:,} created so far)")
    growth = results[-1].p99_ms / results[0].p99_ms
    verdict = score.check(f"store growth p99 x{growth:.2f}", growth <= sc.GROWTH_P99)
    print(
        f"p99 run {sc.GROWTH_RUNS} / run 1: {growth:.2f}x  target <={sc.GROWTH_P99:g}x  {verdict}"
    )
