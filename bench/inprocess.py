"""The in-process line of `make bench`: CPU time of one process running both an httpx client
and the app over httpx.ASGITransport, no sockets."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable

import httpx
from scenarios import PATH, VALID
from servers import token

from mock_server import Settings, create_app


async def in_process(rounds: int, per_round: int = 200) -> dict[str, float]:
    """Median CPU ms per request (this process: client and app) of a validated create and of a
    GET by id. CPU time, not wall time: other work on the machine inflates it less."""
    app = create_app(Settings(seed=1, concurrency="off"))  # ~2000 creates: within the pack
    headers = {"Authorization": f"Bearer {token()}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://x", headers=headers) as c:
        task_id = (await c.post(PATH, json=VALID)).json()["data"]["task_id"]
        calls: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
            "post": lambda: c.post(PATH, json=VALID),
            "get": lambda: c.get(f"{PATH}/{task_id}"),
        }
        times: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(rounds + 1):  # the first round warms up
            for name, call in calls.items():
                started = time.process_time()
                for _ in range(per_round):
                    assert (await call()).status_code == 200
                times[name].append((time.process_time() - started) / per_round * 1000)
    return {name: statistics.median(t[1:]) for name, t in times.items()}
