"""``GET /tasks`` and ``POST /tasks``: the model-path design's one query surface for every task
of the account, whichever design created it (new-design-api.md 5, 9).

Both read the one task store; tasks are shown in the model-path shape (``results/render.py``).
A query by id counts as a poll (as a legacy query of one task does); a listing does not.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from mock_server.errors import KlingError
from mock_server.responders import CallContext, responder
from mock_server.results import render
from mock_server.tasks.model import Task

DAY_MS = 24 * 3600 * 1000
WINDOW_MS = 30 * DAY_MS  # start_time defaults to end_time - 30 days (5.2)
# POST /tasks product_type -> the pools whose tasks it lists (5.2 lists video, image, try_on;
# tasks of free endpoints count as video, as the live listing showed elements and voices, 9).
PRODUCT_TYPES: dict[str, set[str | None]] = {
    "video": {"video", None},
    "image": {"image"},
    "try_on": {"try-on"},
}
STATUSES = {"succeeded": "succeed"}  # the design's spelling -> the store's


def _ids(value: Any) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _show(ctx: CallContext, task: Task) -> dict[str, Any]:
    return render.model_path_task(task, ctx.backend.registry.endpoints[task.endpoint].pool)


@responder("tasks_by_ids")
def tasks_by_ids(ctx: CallContext) -> list[dict[str, Any]]:
    """Each known id once, in the order asked (task ids, then external ids); unknown ids and
    other accounts' tasks are left out, never an error (5.1, live)."""
    store, account = ctx.backend.store, ctx.account.access_key
    found: dict[str, Task] = {}
    wanted = [store.by_id(i) for i in _ids(ctx.body.get("task_ids"))]
    wanted += [store.by_external(account, e) for e in _ids(ctx.body.get("external_task_ids"))]
    for task in wanted:
        if task is not None and task.account == account and task.task_id not in found:
            found[task.task_id] = ctx.backend.lifecycle.polled(task)
    return [_show(ctx, task) for task in found.values()]


@responder("tasks_page")
def tasks_page(ctx: CallContext) -> dict[str, Any]:
    """One page, newest first, of the tasks created in the window that pass the filters
    (different keys AND, values of one key OR: the sheet's guess). ``next_cursor`` carries
    the window and where the page stopped, so later pages ignore the body's window (5.2)."""
    body = ctx.body
    limit = int(body.get("limit") or 100)
    if body.get("cursor"):
        start_ms, end_ms, before = _read_cursor(str(body["cursor"]))
    else:
        end_ms = _ms(body.get("end_time"), ctx.now)
        start_ms = _ms(body.get("start_time"), end_ms - WINDOW_MS)
        before = None
    keep = _filters(body.get("filters") or [])
    endpoints = ctx.backend.registry.endpoints
    page: list[Task] = []
    last = None
    more = False
    tasks = ctx.backend.store.newest_first(
        ctx.account.access_key, start_ms=start_ms, end_ms=end_ms, before=before
    )
    for position, task in tasks:
        if not keep(task.status, endpoints[task.endpoint].pool):
            continue
        if len(page) == limit:
            more = True
            break
        page.append(task)
        last = position
    cursor = _cursor(start_ms, end_ms, last) if more and last is not None else ""
    return {
        "result": [_show(ctx, task) for task in page],
        "count": len(page),
        "next_cursor": cursor,
        "has_more": more,
    }


def _ms(value: Any, default: int) -> int:
    """A time as ms: a number or a string of digits (both accepted live, 5.2)."""
    if value is None or value == "":
        return default
    return int(float(value))


def _filters(filters: list[dict[str, Any]]) -> Any:
    statuses: set[str] | None = None
    pools: set[str | None] | None = None
    for item in filters:
        values = [str(v) for v in item.get("values") or []]
        if item.get("key") == "status":
            statuses = (statuses or set()) | {STATUSES.get(v, v) for v in values}
        elif item.get("key") == "product_type":
            for value in values:
                pools = (pools or set()) | PRODUCT_TYPES.get(value, set())

    def keep(status: str, pool: str | None) -> bool:
        return (statuses is None or status in statuses) and (pools is None or pool in pools)

    return keep


def _cursor(start_ms: int, end_ms: int, position: int) -> str:
    raw = json.dumps([start_ms, end_ms, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[int, int, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        start_ms, end_ms, position = json.loads(raw)
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (start_ms, end_ms)):
            raise ValueError
        if not isinstance(position, int) or isinstance(position, bool) or position < 0:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise KlingError(1201, "cursor: not a cursor this service returned") from None
    return start_ms, end_ms, position
