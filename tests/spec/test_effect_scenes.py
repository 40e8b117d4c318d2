"""The effect-scene lists in requests/effects.json: the union live-behaviour.md C.6 recommends."""

from __future__ import annotations

from mock_server.app import default_spec


def test_every_shipped_scene_is_listed_once_with_retired_ones_apart() -> None:
    defs = default_spec().schema("requests/effects.json")["$defs"]
    lists = {
        name: defs[name]["enum"]
        for name in (
            "dual_image_scenes",
            "single_image_scenes",
            "retired_dual_image_scenes",
            "retired_single_image_scenes",
        )
    }
    every = [scene for names in lists.values() for scene in names]
    assert len(every) == len(set(every))
    assert len(lists["dual_image_scenes"]) + len(lists["single_image_scenes"]) == 219  # C.1 A
    assert len({s.replace("\u2019", "'") for s in every}) == 332  # C.6
    assert set(lists["retired_dual_image_scenes"]) == {"hug", "kiss", "heart_gesture", "fight"}
