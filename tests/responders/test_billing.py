"""Packs and ledgers: each endpoint charges the pack type the price pages name, /account/costs
and the deduction details agree with what tasks and synchronous calls were charged, and 1102
comes from the pool that ran out (live-behaviour.md A.6, B.4, B.7, D.2)."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.examples import first_valid
from mock_server.spec.loader import load_spec
from mock_server.spec.registry import Registry
from tests.conftest import BASE_URL, ok

pytestmark = pytest.mark.anyio
T2V, IMG, TTS = "/v1/videos/text2video", "/v1/images/generations", "/v1/audio/tts"
WINDOW = {"start_time": 0, "end_time": 4_102_444_800_000}
HELPERS = ("init", "add", "delete", "clear", "preview")
POOLS: dict[str, str | None] = {
    **dict.fromkeys(
        [
            "text2video",
            "image2video",
            "omni-video",
            "multi-image2video",
            "motion-control",
            "multi-elements",
            "video-extend",
            "advanced-lip-sync",
            "lip-sync",
            "avatar-image2video",
            "effects",
            # A.6 #33 / D.2: audio, voices, elements and the synchronous helpers bill to video
            "text-to-audio",
            "video-to-audio",
            "tts",
            "custom-voices",
            "identify-face",
            "image-recognize",
            "advanced-custom-elements",
            *(f"multi-elements-{h}-selection" for h in HELPERS),
            # the model-path design's video creates (new-design-api.md 10: the video pool)
            *(f"text-to-video-kling-{m}" for m in ("3-0-turbo", "3-0", "2-6", "2-5-turbo")),
            *(f"image-to-video-kling-{m}" for m in ("3-0-turbo", "3-0", "2-6", "2-5-turbo")),
            "omni-video-kling-3-0-omni",
            "omni-video-kling-o1",
            "motion-control-kling-3-0",
            "motion-control-kling-2-6",
        ],
        "video",
    ),
    **dict.fromkeys(
        ["image-generations", "omni-image", "multi-image2image", "image-expand", "ai-multi-shot"],
        "image",
    ),
    "kolors-virtual-try-on": "try-on",
    **dict.fromkeys(
        [
            "presets-voices",
            "delete-voices",
            "advanced-presets-elements",
            "delete-elements",
            "custom-elements",
            "custom-elements-list",
            "presets-elements",
            "account-costs",
            "billing-package",
            "billing-balance",
            "tasks-get",
            "tasks-list",
        ],
        None,
    ),
}


def test_each_endpoint_charges_the_pack_type_the_price_pages_name() -> None:
    registry = Registry(load_spec())
    assert {ep.id: ep.pool for ep in registry.endpoints.values()} == POOLS


@asynccontextmanager
async def fake(
    clock: ManualClock, tmp_path: os.PathLike[str], packs: list[dict[str, Any]] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    settings: dict[str, Any] = {}
    if packs is not None:
        path = os.path.join(tmp_path, "accounts.json")
        account = {"access_key": "ak", "secret_key": "sk", "name": "ci", "resource_packs": packs}
        with open(path, "w") as f:
            json.dump({"accounts": [account]}, f)
        settings["accounts_file"] = path
    app = create_app(Settings(**settings), clock=clock)
    keys = ("ak", "sk") if packs is not None else ("mock-access-key", "mock-secret-key")
    headers = {"Authorization": f"Bearer {mint_token(*keys, clock.now_ms() / 1000)}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as c:
        yield c


async def finished(c: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    task_id = ok(await c.post(path, json=body))["task_id"]
    assert (await c.post(f"/__mock/tasks/{task_id}/finish")).status_code == 200
    task: dict[str, Any] = ok(await c.get(f"{path}/{task_id}"))
    return task


async def remaining(c: httpx.AsyncClient) -> dict[str, float]:
    packs = ok(await c.get("/account/costs", params=WINDOW))["resource_pack_subscribe_infos"]
    return {p["resource_pack_name"]: p["remaining_quantity"] for p in packs}


async def test_costs_and_billing_rows_agree_with_the_charges(
    clock: ManualClock, tmp_path: os.PathLike[str]
) -> None:
    async with fake(clock, tmp_path) as c:
        video = await finished(c, T2V, {"prompt": "p", "model_name": "kling-v3", "sound": "on"})
        image = await finished(c, IMG, {"prompt": "p", "n": 2})
        voice = await finished(
            c, "/v1/general/custom-voices", {"voice_name": "v", "voice_url": "https://e.com/v.mp3"}
        )
        speech = ok(await c.post(TTS, json={"text": "Hello there", "voice_id": "oversea_male1"}))
        ok(await c.post(T2V, json={"prompt": "still running"}))  # not charged until it ends
        charged = [video, image, voice, speech]
        assert [t["final_unit_deduction"] for t in charged] == ["4.5", "16", "0.05", "0.05"]

        assert await remaining(c) == {
            "Video Generation Pack": 995.4,
            "Image Generation Pack": 984.0,
        }
        rows = ok(await c.post("/account/billing/package", json=WINDOW))["result"]["detail"]
        assert [(r["task_id"], r["deduction_amount"]) for r in rows] == [
            (t["task_id"], float(t["final_unit_deduction"])) for t in charged
        ]
        assert [r["product_function"] for r in rows] == [
            "Text to Video",
            "Image Generation",
            "Custom Voice",
            "TTS",
        ]
        assert [r["product_type"] for r in rows] == ["video", "image", "video", "video"]
        video_rows = [r for r in rows if r["product_type"] == "video"]
        assert [(r["unit_before_deduction"], r["unit_after_deduction"]) for r in video_rows] == [
            (1000.0, 995.5),
            (995.5, 995.45),
            (995.45, 995.4),
        ]
        first = rows[0]
        assert (first["model_name"], first["resolution"], first["video_sound"]) == (
            "kling-v3",
            "720p",
            "native",
        )
        assert first["duration"] == video["task_result"]["videos"][0]["duration"]
        assert first["api_key_name"] == "default"
        only_images = {**WINDOW, "filters": [{"key": "product_type", "values": ["image"]}]}
        filtered = ok(await c.post("/account/billing/package", json=only_images))["result"]
        assert [r["task_id"] for r in filtered["detail"]] == [image["task_id"]]
        cash = ok(await c.post("/account/billing/balance", json=WINDOW))["result"]
        assert cash == {"detail": [], "count": 0}


async def test_element_creation_costs_nothing_but_is_billed_to_video(
    clock: ManualClock, tmp_path: os.PathLike[str]
) -> None:
    async with fake(clock, tmp_path) as c:
        body = first_valid("advanced-custom-elements", "minimal")
        element = await finished(c, "/v1/general/advanced-custom-elements", body)
        assert element["final_unit_deduction"] == "0"
        [row] = ok(await c.post("/account/billing/package", json=WINDOW))["result"]["detail"]
        assert (row["task_id"], row["product_type"], row["deduction_amount"]) == (
            element["task_id"],
            "video",
            0.0,
        )


async def test_avatar_is_billed_on_its_tts_audio_rounded_to_seconds(
    clock: ManualClock, tmp_path: os.PathLike[str]
) -> None:
    """B.6: 11.3 s of TTS speech -> 11 s x 0.4 = 4.4 video units for a std avatar."""
    async with fake(clock, tmp_path) as c:
        speech = ok(await c.post(TTS, json={"text": "x" * 45, "voice_id": "oversea_male1"}))
        audio = speech["task_result"]["audios"][0]
        assert float(audio["duration"]) == pytest.approx(11.2)
        body = {"image": "https://example.com/a.png", "audio_id": audio["id"]}
        avatar = await finished(c, "/v1/videos/avatar/image2video", body)
        assert avatar["final_unit_deduction"] == "4.4"


async def test_a_charge_larger_than_a_pack_moves_on_to_the_next(
    clock: ManualClock, tmp_path: os.PathLike[str]
) -> None:
    packs = [
        {"resource_pack_name": "Small", "pool": "video", "total_quantity": 1},
        {"resource_pack_name": "Big", "pool": "video", "total_quantity": 10},
    ]
    async with fake(clock, tmp_path, packs) as c:
        task = await finished(c, T2V, {"prompt": "p", "mode": "pro"})  # 3.5 units
        rows = ok(await c.post("/account/billing/package", json=WINDOW))["result"]["detail"]
        assert [(r["unit_before_deduction"], r["deduction_amount"]) for r in rows] == [
            (1.0, 1.0),
            (10.0, 2.5),
        ]
        assert {r["task_id"] for r in rows} == {task["task_id"]}
        assert await remaining(c) == {"Small": 0.0, "Big": 7.5}
        costs = ok(await c.get("/account/costs", params=WINDOW))["resource_pack_subscribe_infos"]
        assert [p["status"] for p in costs] == ["runOut", "online"]


async def test_1102_comes_from_the_pool_that_ran_out(
    clock: ManualClock, tmp_path: os.PathLike[str]
) -> None:
    packs = [
        {"resource_pack_name": "Video", "pool": "video", "total_quantity": 1.05},
        {"resource_pack_name": "Image", "pool": "image", "total_quantity": 8},
    ]
    async with fake(clock, tmp_path, packs) as c:
        await finished(c, IMG, {"prompt": "p"})  # 8: the image pack is empty
        refused = await c.post(IMG, json={"prompt": "p"})
        assert (refused.status_code, refused.json()["code"]) == (429, 1102)
        await finished(c, T2V, {"prompt": "p"})  # video still pays: 1 unit, 0.05 left
        speech = {"text": "hi", "voice_id": "oversea_male1"}
        ok(await c.post(TTS, json=speech))  # 0.05 at call time: the video pack is empty now
        for path, body in ((TTS, speech), (T2V, {"prompt": "p"})):
            refused = await c.post(path, json=body)
            assert (refused.status_code, refused.json()["code"]) == (429, 1102), path
        assert await remaining(c) == {"Video": 0.0, "Image": 0.0}
        rows = ok(await c.post("/account/billing/package", json=WINDOW))["result"]["detail"]
        assert len(rows) == 3  # refused calls cost nothing


async def test_a_pool_without_a_pack_is_paid_from_cash_at_list_price(
    clock: ManualClock, tmp_path: os.PathLike[str]
) -> None:
    async with fake(clock, tmp_path) as c:  # the default packs: video and image, no try-on
        body = first_valid("kolors-virtual-try-on", "minimal")
        task = await finished(c, "/v1/images/kolors-virtual-try-on", body)
        assert task["final_unit_deduction"] == "20"
        [row] = ok(await c.post("/account/billing/balance", json=WINDOW))["result"]["detail"]
        assert row["task_id"] == task["task_id"]
        assert (row["list_price"], row["deduction_amount"], row["currency"]) == (0.07, 0.07, "USD")
        assert (row["balance_before_deduction"], row["balance_after_deduction"]) == (100.0, 99.93)
        assert row["product_function"] == "Virtual Try-On"
        package = ok(await c.post("/account/billing/package", json=WINDOW))["result"]
        assert package["count"] == 0
