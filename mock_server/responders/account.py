"""Account calls: resource packs (/account/costs) and deduction details (/account/billing/*).

Both read the charges ``simulation/ledger.py`` recorded, so they agree with what tasks and
synchronous calls were charged: a pack's ``remaining_quantity`` is its total minus its rows,
each package row carries the running balance before and after, and charges paid from cash
appear in the balance details. Packs come from the account config or a default pair.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from typing import Any

from mock_server.responders import CallContext, responder
from mock_server.simulation.ledger import Charge

PACK_START_MS = 1_764_547_200_000  # 2025-12-01
PACK_END_MS = 1_827_619_200_000  # 2027-12-01
RESOLUTION = {"std": "720p", "pro": "1080p", "4k": "4k"}  # legacy mode -> ledger (S3)


def _packs(ctx: CallContext) -> list[dict[str, Any]]:
    packs = []
    ledger = ctx.backend.limits.ledger
    for index, raw in enumerate(ctx.backend.limits.packs(ctx.account)):
        name = str(raw["resource_pack_name"])
        remaining = ledger.pack_left(ctx.account.access_key, index, raw)
        invalid = int(raw.get("invalid_time", PACK_END_MS))
        status = "runOut" if remaining <= 0 else ("expired" if invalid < ctx.now else "online")
        packs.append(
            {
                "resource_pack_name": name,
                "resource_pack_id": str(
                    raw.get("resource_pack_id") or f"{zlib.crc32(name.encode()):08x}" * 4
                ),
                "resource_pack_type": str(raw.get("resource_pack_type", "decreasing_total")),
                "total_quantity": float(raw.get("total_quantity", 1000.0)),
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
    filters: dict[str, list[str]] = {}
    if cursor:
        offset, start, end = _cursor_decode(cursor)
    else:
        offset, start, end = 0, int(body["start_time"]), int(body["end_time"])
        for f in body.get("filters") or []:
            if f.get("values"):
                filters.setdefault(str(f["key"]), []).extend(str(v) for v in f["values"])
    packs = _packs(ctx)
    rows = []
    for charge in ctx.backend.limits.ledger.rows(ctx.account.access_key):
        if (charge.pack is not None) != package or not start <= charge.at_ms <= end:
            continue
        pack = packs[charge.pack] if charge.pack is not None else None
        row = _row(charge, ctx, pack)
        facts = {**row, "package_name": pack["resource_pack_name"] if pack else ""}
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


def _media_duration(result: Any) -> str:
    """The first result file's length (``"5.1"``), as the ledger shows it."""
    for value in (result or {}).values():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            found = value[0].get("duration") or value[0].get("duration_mp3")
            if found is not None:
                return str(found)
    return ""


def _row(charge: Charge, ctx: CallContext, pack: dict[str, Any] | None) -> dict[str, Any]:
    body = charge.body
    given = body.get("input")
    nested: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    endpoint = ctx.backend.registry.endpoints[charge.endpoint]
    mode = str(body.get("mode") or nested.get("mode") or "")
    sound = "original" if body.get("keep_original_sound") == "yes" else "off"
    row: dict[str, Any] = {}
    if pack is not None:
        row |= {"package_id": pack["resource_pack_id"], "product_type": charge.pool}
    row |= {
        "task_id": charge.ref,
        "api_key_name": ctx.account.name or "default",
        "product_function": ctx.backend.pricing.product(charge.endpoint, body) or endpoint.title,
        "model_name": str(body.get("model_name") or nested.get("model_name") or ""),
        "resolution": str(body.get("resolution") or RESOLUTION.get(mode, "")),
        "duration": _media_duration(charge.result),
        "refer_video_input": bool(body.get("video_list")),
        "video_sound": "native" if body.get("sound") == "on" else sound,
        "voice_control": bool(body.get("voice_list")),
        "deduction_time": str(charge.at_ms),
    }
    if pack is not None:
        return row | {
            "unit_before_deduction": float(charge.before),
            "deduction_amount": float(charge.amount),
            "unit_after_deduction": float(charge.after),
        }
    return row | {
        "cash_type": "balance",
        "balance_before_deduction": float(charge.before),
        "deduction_amount": float(charge.amount),
        "balance_after_deduction": float(charge.after),
        "list_price": float(charge.list_price),
        "currency": "USD",
    }


@responder("billing_package")
def billing_package(ctx: CallContext) -> dict[str, Any]:
    return _details(ctx, package=True)


@responder("billing_balance")
def billing_balance(ctx: CallContext) -> dict[str, Any]:
    return _details(ctx, package=False)
