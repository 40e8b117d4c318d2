"""Fill an app's store with N finished tasks without HTTP (bench/serve_preloaded.py).

Each task is built as ``Backend.create_task`` builds it (the same fields, a fresh id from the
app's id factory, the price from its price table), finished as the lifecycle finishes it (the
real result builder, which records the issued media and ids, then the limits' listener, which
writes the ledger row) and put in the store with ``add``. What a create does that is skipped:
validation (the body is validated once and each task gets its own copy of it), the pack
check, the plan and the timer heap (the task is born finished), and the HTTP envelope; none
of them leaves anything behind once a task has finished. So the store holds what a million
creates would have left, in 45-85 us a task instead of about 200.

The garbage collector is off while filling (as fast as possible, and nothing made here is
garbage); the RSS is read after a full collection on either side.
"""

from __future__ import annotations

import gc
import os
import time
from typing import Any

from mock_server.tasks.lifecycle import StatusChange
from mock_server.tasks.model import Task

ENDPOINT = "text2video"
ACCOUNT = "mock-access-key"
MINIMAL_BODY: dict[str, Any] = {"prompt": "a red fox in snow"}
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    return int(open("/proc/self/statm").read().split()[1]) * PAGE_BYTES


def preload(app: Any, n: int, base_url: str) -> dict[str, Any]:
    """Add ``n`` finished ``text2video`` tasks of the default account to ``app``'s store.
    Returns what the bench reports: the time it took, RSS per task, the first and last ids."""
    backend = app.state.backend
    op = next(o for o in backend.registry if o.endpoint.id == ENDPOINT and o.action == "create")
    ep = op.endpoint
    account = next(a for a in backend.accounts if a.access_key == ACCOUNT)
    effective = backend.validate(op, MINIMAL_BODY)
    units = backend.price(ep, account, effective)
    store, clock, ids = backend.store, backend.clock, backend.ids
    gc.collect()
    before = rss_bytes()
    started = time.perf_counter()
    first = last = ""
    gc.disable()
    try:
        for _ in range(n):
            task_id = ids.task_id()
            while store.by_id(task_id) is not None:
                task_id = ids.task_id()
            now = clock.now_ms()
            task = Task(
                task_id=task_id,
                account=account.access_key,
                endpoint=ep.id,
                created_at=now,
                body=dict(effective),
                base_url=base_url,
                units=units,
            )
            # what Lifecycle._apply does on "succeed": the backend's finisher builds the result
            task = task.replace(status="succeed", result=backend.finish(task))
            store.add(task)
            backend.limits.on_change(StatusChange(task, "processing", "succeed", now), ep)
            first = first or task_id
            last = task_id
    finally:
        gc.enable()
    seconds = time.perf_counter() - started
    gc.collect()
    grown = rss_bytes() - before
    return {
        "tasks": n,
        "seconds": round(seconds, 2),
        "bytes_per_task": round(grown / n) if n else 0,
        "rss_mb": round(rss_bytes() / 2**20),
        "first_id": first,
        "last_id": last,
    }
