"""Cash balance and refusals for money: an account that lists its packs pays from nothing else
unless its ``cash_balance`` says so (live-behaviour.md A.6 #31), one without listed packs keeps
100 USD for the pools it has no pack of, and a call refused for money leaves nothing behind."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.accounts import load_accounts
from mock_server.backend import MEDIA
from mock_server.examples import first_valid
from mock_server.responders.media_tools import SESSION
from tests.conftest import BASE_URL, ok

pytestmark = pytest.mark.anyio
T2V, IMG, TTS = "/v1/videos/text2video", "/v1/images/generations", "/v1/audio/tts"
TRY_ON = "/v1/images/kolors-virtual-try-on"
WINDOW = {"start_time": 0, "end_time": 4_102_444_800_000}
VIDEO_PACK = {"resource_pack_name": "Video", "pool": "video", "total_quantity": 100}
SPEECH = {"text": "Hello there", "voice_id": "oversea_male1", "voice_language": "en"}


def _accounts_file(tmp_path: Path, **account: Any) -> Path:
    path = tmp_path / "accounts.json"
    entry = {"access_key": "ak", "secret_key": "sk", **account}
    path.write_text(json.dumps({"accounts": [entry]}))
    return path


@asynccontextmanager
async def fake(
    clock: ManualClock, tmp_path: Path, **account: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    app = create_app(Settings(accounts_file=_accounts_file(tmp_path, **account)), clock=clock)
    headers = {"Authorization": f"Bearer {mint_token('ak', 'sk', clock.now_ms() / 1000)}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as c:
        yield c, app


async def finished(c: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    task_id = ok(await c.post(path, json=body))["task_id"]
    assert (await c.post(f"/__mock/tasks/{task_id}/finish")).status_code == 200
    task: dict[str, Any] = ok(await c.get(f"{path}/{task_id}"))
    return task


def refused_for_money(response: httpx.Response) -> None:
    body = response.json()
    assert (response.status_code, body["code"], body["message"]) == (
        429,
        1102,
        "Account balance not enough",
    ), response.text


@pytest.mark.parametrize(
    ("account", "cash"),
    [
        ({}, 100.0),  # no listed packs: the default packs and 100 USD
        ({"resource_packs": [VIDEO_PACK]}, 0.0),  # listed packs: nothing else (A.6 #31)
        ({"resource_packs": [VIDEO_PACK], "cash_balance": 5}, 5.0),
        ({"resource_packs": [], "cash_balance": 0}, 0.0),
        ({"resource_packs": []}, 100.0),  # an empty list is no list: the default packs
    ],
)
def test_the_cash_balance_follows_the_listed_packs_unless_given(
    tmp_path: Path, account: dict[str, Any], cash: float
) -> None:
    (loaded,) = load_accounts(_accounts_file(tmp_path, **account))
    assert loaded.cash_balance == cash


def test_a_negative_cash_balance_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"accounts\[0\]\.cash_balance"):
        load_accounts(_accounts_file(tmp_path, cash_balance=-1))


async def test_an_account_holding_only_a_video_pack_gets_1102_on_images(
    clock: ManualClock, tmp_path: Path
) -> None:
    """live-behaviour.md A.6 #31: image generation on a video-only account is HTTP 429, 1102."""
    async with fake(clock, tmp_path, resource_packs=[VIDEO_PACK]) as (c, _):
        refused_for_money(await c.post(IMG, json={"prompt": "a lighthouse"}))
        await finished(c, T2V, {"prompt": "a fox"})  # the video pack still pays
        cash = ok(await c.post("/account/billing/balance", json=WINDOW))["result"]
        assert cash == {"detail": [], "count": 0}
        limits = (await c.get("/__mock/limits")).json()["ak"]
        assert (limits["packs"]["image"], limits["cash_left"]) == (None, 0.0)


async def test_a_cash_balance_pays_where_the_account_has_no_pack(
    clock: ManualClock, tmp_path: Path
) -> None:
    async with fake(clock, tmp_path, resource_packs=[VIDEO_PACK], cash_balance=0.05) as (c, _):
        task = await finished(c, IMG, {"prompt": "a lighthouse"})
        assert task["final_unit_deduction"] == "8"  # 8 image units = 0.028 USD at list price
        [row] = ok(await c.post("/account/billing/balance", json=WINDOW))["result"]["detail"]
        assert (row["balance_before_deduction"], row["deduction_amount"]) == (0.05, 0.028)
        refused_for_money(await c.post(IMG, json={"prompt": "again"}))  # 0.022 left


async def test_an_account_without_listed_packs_pays_try_on_from_100_usd(
    clock: ManualClock, tmp_path: Path
) -> None:
    async with fake(clock, tmp_path) as (c, _):
        await finished(c, TRY_ON, first_valid("kolors-virtual-try-on", "minimal"))
        [row] = ok(await c.post("/account/billing/balance", json=WINDOW))["result"]["detail"]
        assert (row["balance_before_deduction"], row["balance_after_deduction"]) == (100.0, 99.93)


# -- synchronous calls: checked before they run, charged after -------------------------------


def _made(app: Starlette) -> dict[str, int]:
    """What the fake keeps of the account's calls: TTS audio, sessions, issued media."""
    store = app.state.backend.store
    return {
        "audio": len(store.records("audio", "ak")),
        "session": len(store.records(SESSION, "ak")),
        "media": len(store.records(MEDIA, "")),
        "charges": len(app.state.backend.limits.ledger.rows("ak")),
    }


@pytest.mark.parametrize(
    ("path", "body"),
    [(TTS, SPEECH), ("/v1/videos/identify-face", {"video_url": "https://e.com/v.mp4"})],
)
async def test_a_call_refused_for_money_leaves_nothing_behind(
    clock: ManualClock, tmp_path: Path, path: str, body: dict[str, Any]
) -> None:
    """0.04 units left, the call costs 0.05: refused before its responder runs, so no audio,
    session or media file is made and nothing is charged."""
    pack = {**VIDEO_PACK, "total_quantity": 0.04}
    async with fake(clock, tmp_path, resource_packs=[pack]) as (c, app):
        before = _made(app)
        refused_for_money(await c.post(path, json=body))
        assert _made(app) == before


async def test_a_call_is_charged_once_it_has_answered(clock: ManualClock, tmp_path: Path) -> None:
    pack = {**VIDEO_PACK, "total_quantity": 0.05}
    async with fake(clock, tmp_path, resource_packs=[pack]) as (c, app):
        speech = ok(await c.post(TTS, json=SPEECH))
        assert _made(app)["audio"] == 1
        [row] = ok(await c.post("/account/billing/package", json=WINDOW))["result"]["detail"]
        assert (row["task_id"], row["unit_after_deduction"]) == (speech["task_id"], 0.0)
        refused_for_money(await c.post(TTS, json=SPEECH))
        assert _made(app)["audio"] == 1
