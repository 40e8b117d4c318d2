"""What `make bench` measures and the targets (issue 13), as data.

A throughput scenario is one request against one of the servers (servers.py), driven by wrk in
the interleaved rounds; its target is a minimum requests/s as a fraction of C's. The other
targets (tails, store growth, flatness, memory, Prism) are checked in run.py with the
constants here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from drivers import Request
from servers import API_KEY

PATH = "/v1/videos/text2video"
MODEL_PATH = "/text-to-video/kling-2.6"  # the model-in-path design (README)
VALID = {"prompt": "a red fox in snow", "duration": "5", "aspect_ratio": "16:9", "mode": "std"}
INVALID = {"prompt": "a red fox in snow", "duration": "7"}  # 1201: duration must be 5 or 10
MODEL_VALID: dict[str, Any] = {
    "prompt": "a red fox in snow",
    "settings": {"resolution": "720p", "duration": 5},
}
PREFILLED = 30  # tasks created in the fake before the run: "list page 1" is a full page
SMALL_STORE = 30  # the flatness baseline: a full page 1 and nothing else
PAGE_SIZE = 30
DEEP_PAGE = 300  # needs DEEP_PAGE * PAGE_SIZE tasks: the big store has >= 100k

FLAT_READS = ("GET by id", "list page 1")  # each measured at SMALL_STORE and at the big store
PRISM_CREATE = "Prism: valid create"
FLATNESS = 0.10  # throughput and p99 of the big store within 10% of the small one's
BYTES_PER_TASK = 1024  # RSS per stored minimal finished task
# Tails: (request, connections, maximum p99 ms); C's rows have no target: they show what
# the machine alone does to a tail (other work on it shows here first).
TAIL_C = "C: bare Starlette"
TAIL_TARGETS: list[tuple[str, int, float | None]] = [
    (TAIL_C, 8, None),
    ("GET task by id", 8, 5.0),
    ("valid create", 8, 5.0),
    (TAIL_C, 64, None),
    ("GET task by id", 64, 25.0),
    ("valid create", 64, 30.0),
]
GROWTH_RUNS = 6
GROWTH_P99 = 1.5  # run 6's POST p99 at most 1.5x run 1's
PRISM_RATIO = 3.0  # the fake's valid creates/s at least 3x Prism's

ServerKey = Literal["bare", "raw", "fake", "small", "big", "prism"]


@dataclass(frozen=True)
class Scenario:
    name: str
    server: ServerKey
    request: Request
    target: float | None = None  # minimum requests/s as a fraction of C's


@dataclass(frozen=True)
class Ids:
    """Task ids each server's GET by id asks for (one the server really holds)."""

    fake: str
    small: str
    big: str


def flat(read: str, stored: str) -> str:
    """The name of a flatness scenario: ``read`` with ``stored`` tasks in the store."""
    return f"flat: {read} @{stored}"


def throughput(jwt: str, ids: Ids, big_label: str, prism: bool) -> list[Scenario]:
    auth = f"Bearer {jwt}"

    def get(path: str) -> Request:
        return Request("GET", path, None, auth)

    page1 = get(f"{PATH}?pageNum=1&pageSize={PAGE_SIZE}")
    deep = get(f"{PATH}?pageNum={DEEP_PAGE}&pageSize={PAGE_SIZE}")
    model_create = Request("POST", MODEL_PATH, MODEL_VALID, f"Bearer {API_KEY}")
    small, big = str(SMALL_STORE), big_label
    scenarios = [
        Scenario("C: bare Starlette, GET /", "bare", Request("GET", "/")),
        Scenario("raw ASGI app, GET /", "raw", Request("GET", "/")),
        Scenario("GET task by id (JWT)", "fake", get(f"{PATH}/{ids.fake}"), 0.70),
        Scenario("list page 1 (30 tasks)", "fake", page1, 0.50),
        Scenario(f"list page {DEEP_PAGE} ({big_label} tasks)", "big", deep, 0.50),
        Scenario("valid create", "fake", Request("POST", PATH, VALID, auth), 0.40),
        Scenario("model-path create (API key)", "fake", model_create, 0.40),
        Scenario(
            "invalid create (1201)", "fake", Request("POST", PATH, INVALID, auth, False), 0.30
        ),
        # flatness: the same two reads with 30 and with big_label tasks stored
        Scenario(flat(FLAT_READS[0], small), "small", get(f"{PATH}/{ids.small}")),
        Scenario(flat(FLAT_READS[0], big), "big", get(f"{PATH}/{ids.big}")),
        Scenario(flat(FLAT_READS[1], small), "small", page1),
        Scenario(flat(FLAT_READS[1], big), "big", page1),
    ]
    if prism:
        scenarios.append(Scenario(PRISM_CREATE, "prism", Request("POST", PATH, VALID, auth)))
    return scenarios
