"""Kling's limits: 1303 at the concurrency quota (slots held until the task ends, n slots for
images), 1102 when the pack cannot pay, 1302 over the request rate; per-account settings and
run-time overrides through the control API."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.accounts import Account
from mock_server.errors import KlingError
from mock_server.simulation.quotas import Limits, parse_concurrency, slots_of
from mock_server.spec.loader import load_spec
from mock_server.spec.registry import Registry
from tests.conftest import BASE_URL, ok

pytestmark = pytest.mark.anyio
T2V = "/v1/videos/text2video"
IMG = "/v1/images/generations"
OVER = "parallel task over resource pack limit"


@asynccontextmanager
async def fake(
    clock: ManualClock,
    access_key: str = "mock-access-key",
    secret: str = "mock-secret-key",
    **settings: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(**settings), clock=clock)
    token = mint_token(access_key, secret, clock.now_ms() / 1000)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as c:
        yield c


def refused(response: httpx.Response, code: int, message: str | None = None) -> None:
    body = response.json()
    assert (response.status_code, body["code"]) == (429, code), response.text
    assert "data" not in body
    if message is not None:
        assert body["message"] == message


async def test_1303_exactly_at_the_quota_and_released_on_succeed_and_failed(
    clock: ManualClock,
) -> None:
    async with fake(clock, concurrency="video=2") as c:
        first = ok(await c.post(T2V, json={"prompt": "a"}))["task_id"]
        second = ok(await c.post(T2V, json={"prompt": "b"}))["task_id"]
        refused(await c.post(T2V, json={"prompt": "c", "external_task_id": "c"}), 1303, OVER)
        assert len(ok(await c.get(T2V))) == 2  # the refused create stored nothing
        missing = await c.get(f"{T2V}/c")
        assert missing.json()["code"] != 0
        await c.post(f"/__mock/tasks/{first}/finish")
        ok(await c.post(T2V, json={"prompt": "d"}))  # succeed released its slot
        refused(await c.post(T2V, json={"prompt": "e"}), 1303)
        await c.post(f"/__mock/tasks/{second}/fail", json={"message": "x"})
        ok(await c.post(T2V, json={"prompt": "f"}))  # failed released its slot too
        clock.advance(60)
        for i in range(2):
            ok(await c.post(T2V, json={"prompt": f"g{i}"}))


async def test_image_generation_takes_n_slots(clock: ManualClock) -> None:
    async with fake(clock) as c:  # the default: 9 image slots
        ok(await c.post(IMG, json={"prompt": "a", "n": 8}))
        refused(await c.post(IMG, json={"prompt": "b", "n": 2}), 1303)
        ok(await c.post(IMG, json={"prompt": "c", "n": 1}))
        refused(await c.post(IMG, json={"prompt": "d"}), 1303)


def test_omni_image_series_takes_series_amount_slots(clock: ManualClock) -> None:
    ep = create_app(Settings(), clock=clock).state.backend.registry.endpoints["omni-image"]
    assert slots_of(ep, {"result_type": "series", "series_amount": 6, "n": 1}) == 6
    assert slots_of(ep, {"result_type": "series", "series_amount": "auto"}) == 4
    assert slots_of(ep, {"result_type": "single", "n": 3}) == 3
    assert slots_of(ep, {}) == 1


async def test_model_scope_counts_each_model_apart_and_pool_scope_shares(
    clock: ManualClock,
) -> None:
    for scope, third_ok in (("model", True), ("pool", False)):
        async with fake(clock, concurrency="video=1", concurrency_scope=scope) as c:
            ok(await c.post(T2V, json={"prompt": "a", "model_name": "kling-v2-6"}))
            other = await c.post(T2V, json={"prompt": "b", "model_name": "kling-v3"})
            if third_ok:
                ok(other)
            else:
                refused(other, 1303)


async def test_1102_when_the_pack_cannot_pay(
    clock: ManualClock, tmp_path: os.PathLike[str]
) -> None:
    path = os.path.join(tmp_path, "accounts.json")
    packs = [{"resource_pack_name": "Tiny", "pool": "video", "total_quantity": 2}]
    with open(path, "w") as f:
        json.dump(
            {"accounts": [{"access_key": "ak", "secret_key": "sk", "resource_packs": packs}]}, f
        )
    async with fake(clock, "ak", "sk", accounts_file=path) as c:
        first = ok(await c.post(T2V, json={"prompt": "a"}))["task_id"]  # 1 unit (std, 5 s)
        await c.post(f"/__mock/tasks/{first}/finish")
        ok(await c.post(T2V, json={"prompt": "b"}))  # 1 left: still enough
        refused(await c.post(T2V, json={"prompt": "c", "mode": "pro"}), 1102)  # 3.5 > 1
        window = {"start_time": 1726124664368, "end_time": 1827366400000}
        costs = ok(await c.get("/account/costs", params=window))
        assert costs["resource_pack_subscribe_infos"][0]["remaining_quantity"] == 1
        limits = (await c.get("/__mock/limits")).json()["ak"]
        assert limits["packs"]["video"] == 1 and limits["packs"]["try-on"] is None


async def test_1302_over_the_request_rate(clock: ManualClock) -> None:
    async with fake(clock, rate_limit=2) as c:
        ok(await c.get(T2V))
        ok(await c.get(T2V))
        refused(await c.get(T2V), 1302)
        clock.advance(1)
        ok(await c.get(T2V))


async def test_accounts_file_and_control_api_override_the_quota(
    clock: ManualClock, tmp_path: os.PathLike[str]
) -> None:
    path = os.path.join(tmp_path, "accounts.json")
    account = {"access_key": "ak", "secret_key": "sk", "concurrency": {"video": 1}}
    with open(path, "w") as f:
        json.dump({"accounts": [account]}, f)
    async with fake(clock, "ak", "sk", accounts_file=path) as c:
        ok(await c.post(T2V, json={"prompt": "a"}))
        refused(await c.post(T2V, json={"prompt": "b"}), 1303)
        changed = await c.put("/__mock/limits/ak", json={"concurrency": {"video": 3}})
        assert changed.json()["ak"]["concurrency"] == {"video": 3}
        assert changed.json()["ak"]["in_use"] == {"video": 1}
        ok(await c.post(T2V, json={"prompt": "b"}))
        await c.put("/__mock/limits/ak", json={"concurrency": "off", "rate_limit": 1})
        ok(await c.post(T2V, json={"prompt": "c"}))
        refused(await c.get(T2V), 1302)
        await c.delete("/__mock/limits/ak")
        refused(await c.post(T2V, json={"prompt": "d"}), 1303)
        bad = await c.put("/__mock/limits/ak", json={"concurrency": {"audio": 1}})
        assert bad.status_code == 400
        assert (await c.put("/__mock/limits/nobody", json={})).status_code == 404


def test_concurrency_setting_is_checked() -> None:
    assert parse_concurrency("off") is None
    assert parse_concurrency("video=5, image=10") == {"video": 5, "image": 10}
    for bad in ("video=0", "audio=3", "video"):
        with pytest.raises(ValueError):
            parse_concurrency(bad)


async def test_the_quota_is_the_highest_of_the_pools_packs(
    clock: ManualClock, tmp_path: os.PathLike[str]
) -> None:
    path = os.path.join(tmp_path, "accounts.json")
    packs = [
        {"resource_pack_name": "A", "pool": "video", "total_quantity": 100, "concurrency": 1},
        {"resource_pack_name": "B", "pool": "video", "total_quantity": 100, "concurrency": 2},
    ]
    account = {"access_key": "ak", "secret_key": "sk", "resource_packs": packs}
    with open(path, "w") as f:
        json.dump({"accounts": [account]}, f)
    async with fake(clock, "ak", "sk", accounts_file=path) as c:
        ok(await c.post(T2V, json={"prompt": "a"}))
        ok(await c.post(T2V, json={"prompt": "b"}))
        refused(await c.post(T2V, json={"prompt": "c"}), 1303)


def test_without_the_balance_check_nothing_is_refused_for_money_and_charges_are_kept() -> None:
    endpoint = Registry(load_spec()).endpoints["text2video"]
    account = Account("ak", "sk")
    checked = Limits([account], concurrency="off")
    with pytest.raises(KlingError) as caught:
        checked.admit(account, endpoint, {}, "1000.5")
    assert caught.value.code == 1102
    unchecked = Limits([account], concurrency="off", check_balance=False)
    unchecked.admit(account, endpoint, {}, "1000.5")  # no 1102
    unchecked.charge_now(account, endpoint, "1500", body={}, reply={}, now_ms=0)
    (row,) = unchecked.ledger.rows("ak")
    assert (row.amount, row.after) == (1500, -500)
    assert unchecked.ledger.pack_left("ak", 0, unchecked.packs(account)[0]) == 0
