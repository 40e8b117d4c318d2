"""Read every file under ``schemas/`` once, at start-up, into one bundle.

No request handler opens a schema file: they all go through the ``Spec`` built here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mock_server.paths import SCHEMAS_DIR, DataMissingError, check_data

BASE_URI = "https://kling-mock.local/schemas/"
# Data tables that live beside the schemas but are not schemas themselves.
DATA_FILES = frozenset({"manifest.json", "errors.json", "failure_rules.json"})


class SpecError(Exception):
    """The schemas cannot be loaded: the server refuses to start, with this one line."""


@dataclass(frozen=True)
class Spec:
    schemas: dict[str, dict[str, Any]]  # relative path -> schema
    registry: Registry
    manifest: dict[str, Any]
    failure_rules: dict[str, Any]

    def schema(self, rel_path: str) -> dict[str, Any]:
        try:
            return self.schemas[rel_path]
        except KeyError:
            raise KeyError(f"schema {rel_path!r} is not in schemas/") from None

    def uri(self, rel_path: str) -> str:
        return BASE_URI + rel_path


def load_spec(root: Path = SCHEMAS_DIR) -> Spec:
    """Every schema and data table under ``root``, or ``SpecError`` saying what is wrong."""
    try:
        if root == SCHEMAS_DIR:
            check_data()
        return _load(root)
    except DataMissingError as exc:
        raise SpecError(f"cannot start: {exc}") from None
    except (OSError, ValueError, KeyError) as exc:  # JSONDecodeError is a ValueError
        raise SpecError(f"cannot load the schemas from {root}: {exc}") from None


def _load(root: Path) -> Spec:
    schemas: dict[str, dict[str, Any]] = {}
    resources: list[tuple[str, Resource[Any]]] = []
    for path in sorted(root.rglob("*.json")):
        rel = path.relative_to(root).as_posix()
        if rel in DATA_FILES:
            continue
        contents = json.loads(path.read_text(encoding="utf-8"))
        expected = BASE_URI + rel
        if contents.get("$id") != expected:
            raise ValueError(f"{rel}: $id must be {expected!r}")
        # Drop "$schema": jsonschema picks a validator class per resource from it, which would
        # swap our extended class (with the x-kling keywords) for the plain Draft 2020-12 one
        # whenever a $ref crosses into another file. Every file here is 2020-12 anyway.
        contents.pop("$schema", None)
        schemas[rel] = contents
        resources.append((expected, DRAFT202012.create_resource(contents)))
    registry: Registry = Registry().with_resources(resources).crawl()

    def data(name: str) -> dict[str, Any]:
        file = root / name
        return json.loads(file.read_text(encoding="utf-8")) if file.exists() else {}

    return Spec(
        schemas=schemas,
        registry=registry,
        manifest=data("manifest.json"),
        failure_rules=data("failure_rules.json"),
    )
