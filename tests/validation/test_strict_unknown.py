"""Strict mode's unknown-field check judges a nested object by every branch that applies to it
at once: a field that only a conditional branch names (``camera_control.config`` in image to
video, ``settings.audio`` narrowed per model) is declared, and a made-up one is still found."""

from __future__ import annotations

from typing import Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mock_server.validation.caps import Declared, undeclared

SCHEMA: dict[str, Any] = {
    "$id": "https://t/schema.json",
    "type": "object",
    "properties": {"settings": {"type": "object", "properties": {"duration": {}, "audio": {}}}},
    "allOf": [
        {
            "if": {"properties": {"settings": {"properties": {"audio": {"const": "native"}}}}},
            "then": {"properties": {"settings": {"properties": {"resolution": {}}}}},
        }
    ],
}


def _unknown(instance: Any) -> list[tuple[Any, ...]]:
    registry: Registry[Any] = Registry().with_resource(
        SCHEMA["$id"], Resource.from_contents(SCHEMA, default_specification=DRAFT202012)
    )
    resolver = registry.resolver(base_uri=SCHEMA["$id"])
    return list(undeclared(SCHEMA, instance, resolver, cache=Declared()))


def test_a_field_declared_in_one_branch_only_is_not_unknown() -> None:
    body = {"settings": {"duration": 5, "audio": "native", "resolution": "1080p"}}
    assert _unknown(body) == []


def test_a_made_up_field_is_still_unknown_at_every_depth() -> None:
    assert _unknown({"settings": {"duration": 5, "bogus": 1}, "other": 2}) == [
        ("other",),
        ("settings", "bogus"),
    ]


def test_apps_in_one_mode_share_their_compiled_validators_and_modes_never_mix() -> None:
    from mock_server import Settings, create_app

    def validators(**settings: Any) -> dict[str, Any]:
        return dict(create_app(Settings(clock="manual", **settings)).state.backend.validators)

    first, second = validators(), validators()
    assert first and all(first[k] is second[k] for k in first)
    strict = validators(strict=True)
    assert all(strict[k] is not first[k] for k in first)
    assert validators(errors="documented")["text2video.create"] is not first["text2video.create"]
    assert validators(max_string_chars=500)["text2video.create"] is not first["text2video.create"]
