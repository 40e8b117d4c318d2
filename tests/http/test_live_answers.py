"""--errors live | documented: each difference between the live service and the docs, both ways
(live-behaviour.md section A; the answers table is schemas/errors.json "answers")."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mock_server import ManualClock, Settings
from mock_server.examples import first_valid
from tests.conftest import ok

pytestmark = pytest.mark.anyio
T2V = "/v1/videos/text2video"
LIVE, DOCUMENTED = Settings(errors="live"), Settings(errors="documented")
BOTH = pytest.mark.parametrize("settings", [LIVE, DOCUMENTED], ids=["live", "documented"])
DISCONTINUED = "The model 'kling-v1' has been discontinued and is no longer available."


def error(response: httpx.Response) -> tuple[int, int, str]:
    body = response.json()
    assert "data" not in body
    return response.status_code, body["code"], body["message"]


@BOTH
@pytest.mark.parametrize("ident", ["123456789012345678", "my-external-id"])
async def test_unknown_task_id_is_answered_per_mode(
    client: httpx.AsyncClient, settings: Settings, ident: str
) -> None:
    expected = {
        "live": (400, 1201, f"Task not found by id/external id: {ident}"),
        "documented": (404, 1203, f"Task not found: {ident}"),
    }[settings.errors]
    assert error(await client.get(f"/v1/images/generations/{ident}")) == expected


@BOTH
async def test_duplicate_external_task_id_is_answered_per_mode(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    ok(await client.post(T2V, json={"prompt": "x", "external_task_id": "dup-1"}))
    again = await client.post(T2V, json={"prompt": "y", "external_task_id": "dup-1"})
    expected = {
        "live": "External_task_id dup-1 already exists",
        "documented": "external_task_id: 'dup-1' is already used by another task of this account",
    }[settings.errors]
    assert error(again) == (400, 1201, expected)


@BOTH
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (T2V, {"prompt": "a fox"}),
        ("/v1/videos/image2video", {"image": "https://e.com/a.png"}),
        ("/v1/images/generations", {"prompt": "a fox"}),
    ],
)
async def test_kling_v1_is_discontinued_only_live(
    client: httpx.AsyncClient, settings: Settings, path: str, body: dict[str, Any]
) -> None:
    response = await client.post(path, json={**body, "model_name": "kling-v1"})
    if settings.errors == "live":
        assert error(response) == (400, 1201, DISCONTINUED)
    else:
        ok(response)
    ok(await client.post(path, json=body))  # an omitted model_name is never refused


async def _element(client: httpx.AsyncClient, clock: ManualClock) -> str:
    path = "/v1/general/advanced-custom-elements"
    created = ok(await client.post(path, json=first_valid("advanced-custom-elements")))
    clock.advance(600)
    task = ok(await client.get(f"{path}/{created['task_id']}"))
    return str(task["task_result"]["elements"][0]["element_id"])


async def _status(client: httpx.AsyncClient, element_id: str) -> str:
    listed = ok(await client.get("/v1/general/advanced-custom-elements"))
    return next(
        str(e.get("status"))
        for task in listed
        for e in task["task_result"].get("elements", [])
        if str(e["element_id"]) == element_id
    )


@BOTH
@pytest.mark.parametrize(
    "path", ["/v1/general/delete-elements", "/v1/general/delete-advanced-elements"]
)
async def test_delete_reply_has_data_only_when_documented(
    client: httpx.AsyncClient, clock: ManualClock, settings: Settings, path: str
) -> None:
    element_id = await _element(client, clock)
    response = await client.post(path, json={"element_id": element_id})
    body = response.json()
    assert response.status_code == 200 and body["code"] == 0 and body["message"] == "SUCCEED"
    if settings.errors == "live":
        assert set(body) == {"code", "message", "request_id"}
    else:
        assert re.fullmatch(r"[0-9]{18}", body["data"]["task_id"])
        assert body["data"]["task_status"] == "succeed"
    assert await _status(client, element_id) == "deleted"  # one library behind both paths


@BOTH
async def test_second_delete_of_an_element_is_answered_per_mode(
    client: httpx.AsyncClient, clock: ManualClock, settings: Settings
) -> None:
    element_id = await _element(client, clock)
    body = {"element_id": element_id}
    assert (await client.post("/v1/general/delete-advanced-elements", json=body)).json()[
        "code"
    ] == 0
    again = await client.post("/v1/general/delete-elements", json=body)
    expected = {
        "live": f"Element already be deleted for id: {element_id}",
        "documented": f"Element id not found: {element_id}",
    }[settings.errors]
    assert error(again) == (400, 1201, expected)
    unknown = await client.post("/v1/general/delete-elements", json={"element_id": "42"})
    assert error(unknown) == (400, 1201, "Element id not found: 42")


@BOTH
async def test_delete_voices_reply_has_data_only_when_documented(
    client: httpx.AsyncClient, clock: ManualClock, settings: Settings
) -> None:
    created = ok(
        await client.post(
            "/v1/general/custom-voices",
            json={"voice_name": "me", "voice_url": "https://e.com/v.mp3"},
        )
    )
    clock.advance(60)
    task = ok(await client.get(f"/v1/general/custom-voices/{created['task_id']}"))
    voice_id = task["task_result"]["voices"][0]["voice_id"]
    body = (await client.post("/v1/general/delete-voices", json={"voice_id": voice_id})).json()
    assert body["code"] == 0 and ("data" in body) is (settings.errors == "documented")


TTS = "/v1/audio/tts"


@BOTH
async def test_tts_takes_its_own_voice_catalogue_live(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    presets = ok(await client.get("/v1/general/presets-voices"))
    preset_id = presets[0]["task_result"]["voices"][0]["voice_id"]
    body = {"text": "hello", "voice_language": "en"}
    for voice in ("oversea_male1", "uk_boy1", "commercial_lady_en_f-v1"):
        ok(await client.post(TTS, json={**body, "voice_id": voice}))
    for voice in (preset_id, "not-a-voice"):
        response = await client.post(TTS, json={**body, "voice_id": voice})
        if settings.errors == "live":
            assert error(response) == (400, 1201, "Voice id not found")
        else:
            ok(response)


async def test_tts_audio_id_is_an_18_digit_number(client: httpx.AsyncClient) -> None:
    body = {"text": "hello there", "voice_id": "oversea_male1", "voice_language": "en"}
    audio = ok(await client.post(TTS, json=body))["task_result"]["audios"][0]
    assert re.fullmatch(r"[0-9]{18}", audio["id"])


async def test_final_balance_deduction_is_absent_on_unit_paid_tasks(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    created = ok(await client.post(T2V, json={"prompt": "x"}))
    clock.advance(600)
    task = ok(await client.get(f"{T2V}/{created['task_id']}"))
    assert task["task_status"] == "succeed" and "final_unit_deduction" in task
    assert "final_balance_deduction" not in task


def test_errors_setting_defaults_to_live_and_refuses_other_values() -> None:
    assert Settings().errors == "live"
    assert Settings.from_env({"KLING_MOCK_ERRORS": "documented"}).errors == "documented"
    with pytest.raises(ValueError, match="errors must be one of live, documented"):
        Settings(errors="loud").check()  # type: ignore[arg-type]
