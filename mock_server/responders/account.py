"""Account calls: resource packs (/account/costs) and deduction details (/account/billing/*).

Packs come from the account config (``resource_packs``) or a default pair; their remaining
quantity is the total minus the units of this account's succeeded tasks in that pool.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from mock_server.responders import CallContext, responder
from mock_server.tasks.model import Task

PACK_START_MS = 1_764_547_200_000  # 2025-12-01
PACK_END_MS = 1_827_619_200_000  # 2027-12-01
DEFAULT_PACKS: tuple[dict[str, Any], ...] = (
    {"resource_pack_name": "Video Generation Pack", "pool": "video", "total_quantity": 1000.0},
    {"resource_pack_name": "Image Generation Pack", "pool": "image", "total_quantity": 1000.0},
)
PRODUCT_TYPE = {"video": "video", "image": "image", "try-on": "try-on"}


def _used(ctx: CallContext, pool: str | None) -> float:
    endpoints = ctx.backend.registry.endpoints
    return sum(float(t.units) for t in _charged(ctx) if endpoints[t.endpoint].pool == pool)


def _charged(ctx: CallContext) -> list[Task]:
    return [
        t
        for t in ctx.backend.store.tasks(ctx.account.access_key)
        if t.status == "succeed" and float(t.units) > 0
    ]


def _packs(ctx: CallContext) -> list[dict[str, Any]]:
    packs = []
    for raw in ctx.account.resource_packs or DEFAULT_PACKS:
        name = str(raw["resource_pack_name"])
        total = float(raw.get("total_quantity", 1000.0))
        remaining = max(0.0, total - _used(ctx, raw.get("pool")))
        invalid = int(raw.get("invalid_time", PACK_END_MS))
        status = "runOut" if remaining <= 0 else ("expired" if invalid < ctx.now else "online")
        packs.append(
            {
                "resource_pack_name": name,
                "resource_pack_id": str(
                    raw.get("resource_pack_id") or f"{zlib.crc32(name.encode()):08x}" * 4
                ),
                "resource_pack_type": str(raw.get("resource_pack_type", "decreasing_total")),
                "total_quantity": total,
                "remaining_quantity": remaining,
                "purchase_time": int(raw.get("purchase_time", PACK_START_MS)),
                "effective_time": int(raw.get("effective_time", PACK_START_MS)),
                "invalid_time": invalid,
                "status": str(raw.get("status", status)),
            }
        )
    return packs


@responder("account_costs")
def account_costs(ctx: CallContext) -> dict[str, Any]:
    start, end = int(ctx.body["start_time"]), int(ctx.body["end_time"])
    name = ctx.body.get("resource_pack_name")
    packs = [
        p
        for p in _packs(ctx)
        if p["effective_time"] <= end
        and p["invalid_time"] >= start
        and (not name or p["resource_pack_name"] == name)
    ]
    return {"code": 0, "msg": "success", "resource_pack_subscribe_infos": packs}


def _cursor_encode(offset: int, start: int, end: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([offset, start, end]).encode()).decode()


def _cursor_decode(cursor: str) -> tuple[int, int, int]:
    """A cursor this fake did not make matches nothing (an empty last page), as an expired one
    plausibly would; the docs do not say what Kling answers."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        offset, start, end = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return int(offset), int(start), int(end)
    except (binascii.Error, ValueError, TypeError):
        return 0, 1, 0


def _details(ctx: CallContext, *, package: bool) -> dict[str, Any]:
    body = ctx.body
    cursor = str(body.get("cursor") or "")
    if cursor:
        offset, start, end = _cursor_decode(cursor)
        filters: dict[str, list[str]] = {}
    else:
        offset, start, end = 0, int(body["start_time"]), int(body["end_time"])
        filters = {}
        for f in body.get("filters") or []:
            if f.get("values"):
                filters.setdefault(str(f["key"]), []).extend(str(v) for v in f["values"])
    endpoints = ctx.backend.registry.endpoints
    packs = {p["resource_pack_name"]: p for p in _packs(ctx)}
    rows = []
    for task in _charged(ctx):
        if not start <= task.updated_at <= end:
            continue
        pool = endpoints[task.endpoint].pool or "video"
        pack = next((p for n, p in packs.items() if pool in n.lower()), next(iter(packs.values())))
        row = _row(task, ctx, pool, pack, package=package)
        facts = {**row, "package_name": pack["resource_pack_name"]}
        if all(str(facts.get(key, "")) in values for key, values in filters.items()):
            rows.append(row)
    limit = int(body.get("limit", 500))
    page = rows[offset : offset + limit]
    more = offset + limit < len(rows)
    return {
        "result": {"detail": page, "count": len(page)},
        "next_cursor": _cursor_encode(offset + limit, start, end) if more else "",
        "has_more": more,
    }


def _row(
    task: Task, ctx: CallContext, pool: str, pack: dict[str, Any], *, package: bool
) -> dict[str, Any]:
    body, amount = task.body, float(task.units)
    mode = str(body.get("mode", "std"))
    row: dict[str, Any] = {}
    if package:
        row |= {
            "package_id": pack["resource_pack_id"],
            "product_type": PRODUCT_TYPE.get(pool, "video"),
        }
    row |= {
        "task_id": task.task_id,
        "api_key_name": ctx.account.name or "default",
        "product_function": task.endpoint,
        "model_name": str(body.get("model_name") or ""),
        "resolution": {"pro": "1080p", "4k": "4k"}.get(mode, "720p"),
        "duration": str(body.get("duration", "")) if pool == "video" else "",
        "refer_video_input": bool(body.get("video_list")),
        "video_sound": "native" if body.get("sound") == "on" else "off",
        "voice_control": bool(body.get("voice_list")),
        "deduction_time": str(task.updated_at),
    }
    if package:
        row |= {
            "unit_before_deduction": pack["total_quantity"],
            "deduction_amount": amount,
            "unit_after_deduction": pack["total_quantity"] - amount,
        }
    else:
        row |= {
            "cash_type": "balance",
            "balance_before_deduction": 100.0,
            "deduction_amount": amount,
            "balance_after_deduction": 100.0 - amount,
            "list_price": amount,
            "currency": "USD",
        }
    return row


@responder("billing_package")
def billing_package(ctx: CallContext) -> dict[str, Any]:
    return _details(ctx, package=True)


@responder("billing_balance")
def billing_balance(ctx: CallContext) -> dict[str, Any]:
    return _details(ctx, package=False)
