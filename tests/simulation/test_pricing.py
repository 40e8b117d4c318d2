"""Prices from the official price pages (live-behaviour.md section B): one row per rule of the
manifest's ``units``, so changing a rate, a multiplier or a rounding fails here; every case
of every rule must be exercised by a row, and a bad rule refuses start-up naming its entry."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from mock_server.simulation.pricing import PriceTable, format_units
from mock_server.spec.loader import load_spec
from mock_server.spec.registry import Registry, check_manifest
from tests.paths import REPO_ROOT

SPEC = load_spec()
REGISTRY = Registry(SPEC)
TABLE = PriceTable.for_registry(REGISTRY)
AUDIO = {"tts-11.3": {"duration": 11.3}, "tts-11.5": {"duration": 11.5}}  # stored audio records


def lookup(kind: str, key: str) -> Mapping[str, Any] | None:
    return AUDIO.get(key) if kind == "audio" else None


V3, V26, V25 = "kling-v3", "kling-v2-6", "kling-v2-5-turbo"
VOICES = [{"voice_id": "v1"}]
V16_PRO = {"model_name": "kling-v1-6", "mode": "pro"}
SERIES = {"model_name": "kling-v3-omni", "result_type": "series"}
VIDEO = [{"video_url": "https://e.com/v.mp4", "refer_type": "feature"}]
VOICE = {"type": "voice", "voice_id": "v1", "id": "1"}
FEATURE = {"type": "feature_video", "url": "https://e.com/v.mp4"}
BASE = {"type": "base_video", "url": "https://e.com/v.mp4"}


def S(duration: int, **settings: str) -> dict[str, Any]:
    """A model-path body with these ``settings``."""
    return {"settings": {"duration": duration, **settings}}


# (endpoint, request body, units). Bodies are as sent: schema defaults fill the rest.
ROWS: list[tuple[str, dict[str, Any], str]] = [
    # The model-path design (new-design-api.md 10, live-behaviour.md B.2; live where marked)
    ("text-to-video-kling-3-0-turbo", S(3), "2.4"),  # B.6 (L1): 3 s, 720p
    ("text-to-video-kling-3-0-turbo", S(15, resolution="1080p"), "15"),
    ("text-to-video-kling-3-0", S(5, audio="native"), "4.5"),
    ("text-to-video-kling-3-0", S(10, resolution="4k"), "30"),
    ("text-to-video-kling-3-0", {}, "3"),  # defaults: 5 s, 720p, silent
    ("text-to-video-kling-2-6", S(10, resolution="1080p", audio="native"), "10"),
    ("text-to-video-kling-2-6", S(5, resolution="1080p"), "2.5"),
    ("text-to-video-kling-2-5-turbo", S(10), "3"),
    ("image-to-video-kling-3-0-turbo", S(5, resolution="1080p"), "5"),
    ("image-to-video-kling-3-0", S(6, audio="native"), "5.4"),  # B.6 (L2)
    ("image-to-video-kling-3-0", S(5, resolution="1080p"), "4"),
    ("image-to-video-kling-2-6", {**S(5, audio="native"), "contents": [VOICE]}, "6"),
    ("image-to-video-kling-2-6", S(10, audio="native", resolution="1080p"), "10"),
    ("image-to-video-kling-2-6", S(5), "1.5"),
    ("image-to-video-kling-2-5-turbo", S(5, resolution="1080p"), "2.5"),
    ("omni-video-kling-3-0-omni", {**S(5, resolution="1080p"), "contents": [FEATURE]}, "6"),
    ("omni-video-kling-3-0-omni", {**S(5), "contents": [BASE]}, "4.5"),
    ("omni-video-kling-3-0-omni", S(5, audio="native", resolution="4k"), "15"),
    ("omni-video-kling-3-0-omni", S(3), "1.8"),  # B.6 (L1): first frame, 3 s, 720p, silent
    ("omni-video-kling-o1", {**S(10), "contents": [FEATURE]}, "9"),
    ("omni-video-kling-o1", {**S(5, resolution="1080p"), "contents": [BASE]}, "6"),
    ("omni-video-kling-o1", S(5), "3"),
    ("motion-control-kling-3-0", {"settings": {"resolution": "1080p"}}, "6"),
    ("motion-control-kling-2-6", {}, "2.5"),
    # B.2/B.3 Kling 3.0: native audio 0.9 / 1.2 / 3.0, silent 0.6 / 0.8 / 3.0 per second
    ("text2video", {"model_name": V3, "sound": "on", "duration": "5"}, "4.5"),  # B.6 (L2)
    ("image2video", {"model_name": V3, "sound": "on", "duration": "6"}, "5.4"),  # B.6 (L2)
    ("text2video", {"model_name": V3, "sound": "on", "mode": "pro", "duration": "10"}, "12"),
    ("text2video", {"model_name": V3, "sound": "on", "mode": "4k", "duration": "5"}, "15"),
    ("text2video", {"model_name": V3, "duration": "5"}, "3"),
    ("image2video", {"model_name": V3, "mode": "pro", "duration": "5"}, "4"),
    ("text2video", {"model_name": V3, "mode": "4k", "duration": "3"}, "9"),
    # Kling 2.6: silent 0.3 / 0.5, native audio 1.0, voice control 1.2 (S9: 6 per 5 s)
    ("text2video", {"model_name": V26, "sound": "on", "voice_list": VOICES, "mode": "pro"}, "6"),
    ("image2video", {"model_name": V26, "sound": "on", "voice_list": VOICES}, "6"),  # estimate
    ("text2video", {"model_name": V26, "sound": "on", "mode": "pro", "duration": "10"}, "10"),
    ("text2video", {"model_name": V26, "sound": "on"}, "5"),  # estimate: std has no audio row
    ("text2video", {"model_name": V26, "duration": "5"}, "1.5"),
    ("image2video", {"model_name": V26, "mode": "pro", "duration": "10"}, "5"),
    ("image2video", {"model_name": V26, "sound": "on", "voice_list": VOICES, "mode": "pro"}, "6"),
    ("text2video", {"model_name": V26, "sound": "on", "voice_list": VOICES}, "6"),
    ("image2video", {"model_name": V26, "sound": "on", "mode": "pro"}, "5"),
    ("image2video", {"model_name": V26, "sound": "on", "duration": "10"}, "10"),
    # Kling 2.5 Turbo 0.3 / 0.5 (S9: std 1.5 / 5 s, 3 / 10 s; pro 2.5 / 5 s, 5 / 10 s)
    ("text2video", {"model_name": V25, "duration": "5"}, "1.5"),
    ("text2video", {"model_name": V25, "duration": "10"}, "3"),
    ("image2video", {"model_name": V25, "mode": "pro", "duration": "5"}, "2.5"),
    ("image2video", {"model_name": V25, "mode": "pro", "duration": "10"}, "5"),
    # B.5 historical (T1 / 0.14): estimates
    ("image2video", {"model_name": "kling-v1-6", "duration": "5"}, "2"),
    ("text2video", {"model_name": "kling-v1-6", "mode": "pro", "duration": "5"}, "3.5"),
    ("image2video", {"model_name": "kling-v2-1", "mode": "pro", "duration": "10"}, "7"),
    ("text2video", {"model_name": "kling-v2-master", "duration": "5"}, "10"),
    ("text2video", {"model_name": "kling-v2-1-master", "duration": "10"}, "20"),
    ("image2video", {"model_name": "kling-v2-master", "duration": "10"}, "20"),
    ("image2video", {"duration": "5"}, "1"),
    ("text2video", {"duration": "5"}, "1"),  # kling-v1, the default
    ("text2video", {"model_name": "", "mode": "pro", "duration": "5"}, "3.5"),  # "" = default
    ("text2video", {"mode": "pro", "duration": "10"}, "7"),
    # Omni: 3.0 Omni 0.6 / 0.8 / 3.0 silent, 0.8 / 1.0 / 3.0 audio, 0.9 / 1.2 / 3.0 with video
    ("omni-video", {"model_name": "kling-v3-omni", "mode": "std", "duration": "3"}, "1.8"),
    ("omni-video", {"model_name": "kling-v3-omni", "sound": "on", "duration": "5"}, "5"),
    ("omni-video", {"model_name": "kling-v3-omni", "sound": "on", "mode": "4k"}, "15"),
    ("omni-video", {"model_name": "kling-v3-omni", "video_list": VIDEO, "mode": "std"}, "4.5"),
    ("omni-video", {"duration": "5"}, "4"),  # O1 (default model, default mode pro)
    ("omni-video", {"model_name": "kling-video-o1", "mode": "std", "duration": "10"}, "6"),
    ("omni-video", {"video_list": VIDEO, "duration": "5"}, "6"),  # O1 with video input
    # Motion control: billed on the 5.1 s output rounded to 5 s
    ("motion-control", {"model_name": V3, "mode": "std"}, "4.5"),
    ("motion-control", {"model_name": V3, "mode": "pro"}, "6"),
    ("motion-control", {"mode": "std"}, "2.5"),  # kling-v2-6, the default
    ("motion-control", {"model_name": V26, "mode": "pro"}, "4"),
    # Estimates for what P1 does not price
    ("multi-image2video", {"duration": "5"}, "2"),
    ("multi-image2video", {"mode": "pro", "duration": "10"}, "7"),
    ("multi-elements", {"mode": "std", "duration": "5"}, "2"),
    ("video-extend", {"video_id": "v"}, "2"),
    ("lip-sync", {"input": {}}, "0.5"),
    ("advanced-lip-sync", {"session_id": "s"}, "0.5"),
    ("effects", {"effect_scene": "hug", "input": {**V16_PRO, "duration": "10"}}, "7"),
    ("effects", {"effect_scene": "kiss", "input": {"duration": "5"}}, "1"),  # kling-v1 std
    ("effects", {"effect_scene": "bloombloom", "input": {}}, "3.5"),
    ("effects", {"effect_scene": "squish", "input": {}}, "2"),
    ("effects", {"effect_scene": "pet_dance", "input": {}}, "2"),
    ("kolors-virtual-try-on", {}, "20"),
    # Avatar 0.4 / 0.8 per second of the input audio, rounded to whole seconds (B.6: 4.4)
    ("avatar-image2video", {"audio_id": "tts-11.3"}, "4.4"),
    ("avatar-image2video", {"audio_id": "tts-11.3", "mode": "pro"}, "8.8"),
    ("avatar-image2video", {"audio_id": "tts-11.5"}, "4.8"),  # 11.5 s rounds up to 12
    ("avatar-image2video", {"sound_file": "https://e.com/a.mp3"}, "2"),  # length unknown: 5 s
    # Per call (B.4; live 0.05 for TTS and custom voices, 0 for elements)
    ("tts", {"text": "hi"}, "0.05"),
    ("custom-voices", {"voice_name": "v"}, "0.05"),
    ("identify-face", {"video_id": "v"}, "0.05"),
    ("text-to-audio", {"prompt": "p", "duration": 5}, "0.25"),
    ("video-to-audio", {"video_id": "v"}, "0.25"),
    ("image-recognize", {"image": "x"}, "0.1"),
    ("advanced-custom-elements", {}, "0"),
    ("ai-multi-shot", {}, "20"),  # image units
    # Per image x n (B.4; live 8 for kling-v3 n=1)
    ("image-generations", {"prompt": "p"}, "8"),
    ("image-generations", {"model_name": V3, "n": 4}, "32"),
    ("image-generations", {"model_name": "kling-v2-1", "image": "x", "n": 1}, "8"),
    ("image-generations", {"model_name": "kling-v2-1", "n": 2}, "8"),
    ("image-generations", {"model_name": "kling-v1", "n": "3"}, "3"),
    ("image-generations", {"model_name": "kling-v1-5", "image": "x", "n": 2}, "16"),
    ("image-generations", {"model_name": "kling-v2"}, "4"),
    ("image-generations", {"model_name": "kling-v2-new"}, "8"),
    ("omni-image", {"model_name": "kling-v3-omni", "n": 2}, "16"),
    ("omni-image", {"model_name": "kling-v3-omni", "resolution": "4k"}, "16"),
    ("omni-image", {**SERIES, "series_amount": "6", "resolution": "2k"}, "48"),
    ("omni-image", {"result_type": "series", "series_amount": "auto"}, "32"),  # 4 made
    ("omni-image", {"n": 3}, "24"),  # kling-image-o1
    ("omni-image", {"resolution": "4k"}, "16"),  # O1 at 4K: estimate
    ("multi-image2image", {"n": 2}, "32"),
    ("multi-image2image", {"model_name": "kling-v2"}, "16"),
    ("image-expand", {"n": 3}, "24"),
]
FREE = [
    "multi-elements-init-selection",
    "multi-elements-add-selection",
    "multi-elements-delete-selection",
    "multi-elements-clear-selection",
    "multi-elements-preview-selection",
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
    "tasks-get",  # queries are free (5: "read-only")
    "tasks-list",
]
ALL_ROWS = ROWS + [(endpoint, {}, "0") for endpoint in FREE]


@pytest.mark.parametrize(("endpoint", "body", "units"), ALL_ROWS)
def test_price_of_each_rule(endpoint: str, body: dict[str, Any], units: str) -> None:
    assert TABLE.units(endpoint, body, lookup) == units


def test_every_case_of_every_rule_has_a_row() -> None:
    used = {(e, id(TABLE.case(e, body))) for e, body, _ in ALL_ROWS}
    missing = [
        (endpoint, i)
        for endpoint in REGISTRY.endpoints
        for i, case in enumerate(TABLE.cases(endpoint))
        if (endpoint, id(case)) not in used
    ]
    assert not missing, f"(endpoint, case) without a row in ROWS: {missing}"


def test_what_is_estimated() -> None:
    """The endpoints priced (at least partly) by guesswork; the README lists the same."""
    estimated = {
        ep.id
        for ep in REGISTRY.endpoints.values()
        if any("estimate" in c for c in ep.units.get("cases", [ep.units]))
    }
    assert estimated == {
        "text2video",
        "image2video",
        "multi-image2video",
        "multi-elements",
        *FREE[:5],
        "video-extend",
        "advanced-lip-sync",
        "lip-sync",
        "effects",
        "custom-elements",
        "image-generations",
        "omni-image",
        "multi-image2image",
        "kolors-virtual-try-on",
    }


def test_the_readme_names_every_estimated_endpoint() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    prices = readme.split("### Prices", 1)[1].split("\n## ", 1)[0]
    for ep in REGISTRY.endpoints.values():
        cases = ep.units.get("cases", [ep.units])
        if any("estimate" in c for c in cases) and not ep.id.startswith("multi-elements-"):
            assert f"`{ep.id}`" in prices, ep.id
    assert "multi-elements selection helpers" in prices


def test_unit_amounts_are_minimal_decimal_strings() -> None:
    assert [format_units(v) for v in (Decimal("2.4000"), 8, "0.05", 0, 1e-4, 0.0005)] == [
        "2.4",
        "8",
        "0.05",
        "0",
        "0",
        "0.001",
    ]


def test_a_bad_body_value_falls_back_to_the_default() -> None:
    assert TABLE.units("image-generations", {"n": "many"}) == "8"
    assert TABLE.units("image-generations", {"n": True}) == "8"
    assert TABLE.units("text2video", {"duration": "inf"}) == "1"
    assert TABLE.units("avatar-image2video", {"audio_id": "tts-11.3"}) == "2"  # no lookup
    assert TABLE.units("unknown-endpoint", {}) == "0"


def _refused(mutate: Any) -> str:
    manifest = copy.deepcopy(SPEC.manifest)
    mutate({e["id"]: e for e in manifest["endpoints"]})
    with pytest.raises(ValueError) as caught:
        Registry(dataclasses.replace(SPEC, manifest=manifest))
    return str(caught.value)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda m: m["tts"]["units"].update(rate="cheap"),
            "(tts): units.rate: 'cheap' is not of type 'number'",
        ),
        (
            lambda m: m["tts"]["units"].update(rate=-1),
            "(tts): units.rate: -1 is less than the minimum of 0",
        ),
        (
            lambda m: m["tts"]["units"].pop("source"),
            "(tts): units: 'estimate' is a required property",
        ),
        (
            lambda m: m["text2video"]["units"]["cases"][0].update(rate={"by": "mode"}),
            "(text2video): units.cases.0.rate: 'values' is a required property",
        ),
        (
            lambda m: m["avatar-image2video"]["units"]["times"][0].update(round="half"),
            "(avatar-image2video): units.times.0.round: 'half' is not one of",
        ),
        (
            lambda m: m["avatar-image2video"]["units"]["times"][0].pop("key"),
            "(avatar-image2video): units.times.0: 'key' is a dependency of 'record'",
        ),
        (
            lambda m: m["omni-video"]["units"]["cases"][0]["when"].update(sound={"on": 1}),
            "(omni-video): units.cases.0.when.sound: 'given' is a required property",
        ),
        (
            lambda m: m["omni-video"]["units"].update(base=1),
            "(omni-video): units: Additional properties are not allowed ('base' was unexpected)",
        ),
    ],
)
def test_a_bad_price_rule_refuses_start_up_naming_the_entry(mutate: Any, message: str) -> None:
    assert message in _refused(mutate)


def test_a_rule_whose_last_case_has_a_condition_is_refused() -> None:
    manifest = copy.deepcopy(SPEC.manifest)
    entry = next(e for e in manifest["endpoints"] if e["id"] == "omni-video")
    entry["units"]["cases"].pop()
    check_manifest(dataclasses.replace(SPEC, manifest=manifest))  # the shape is fine
    with pytest.raises(ValueError, match="manifest omni-video: units: the last case must"):
        PriceTable.for_registry(Registry(dataclasses.replace(SPEC, manifest=manifest)))
