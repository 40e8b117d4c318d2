"""Recorded request examples (``fixtures/examples/<endpoint>.json``) and their placeholders.

Each file lists ``valid`` bodies, ``invalid`` bodies with the expected code and field, and
``strict_invalid`` bodies rejected only in strict mode. Image values may be placeholders that
expand to real generated images: ``@image:png:1024x576`` (raw Base64 of a PNG of that size) and
``@data-uri:png:400x400`` (the same as a data: URI, which Kling refuses).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import io
import json
from dataclasses import dataclass
from typing import Any

from PIL import Image

from mock_server.paths import FIXTURES_DIR

EXAMPLES_DIR = FIXTURES_DIR / "examples"


@dataclass(frozen=True)
class Case:
    endpoint: str
    name: str
    body: dict[str, Any]
    code: int = 0
    field: str = ""
    query: bool = False
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.endpoint}: {self.name}"


@functools.cache
def _image(fmt: str, width: int, height: int) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 100, 50)).save(buf, fmt.upper())
    return base64.b64encode(buf.getvalue()).decode()


def expand(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    if isinstance(value, str) and value.startswith(("@image:", "@data-uri:")):
        kind, fmt, size = value[1:].split(":")[:3]
        width, height = (int(n) for n in size.split("x"))
        data = _image("jpeg" if fmt == "jpg" else fmt, width, height)
        return data if kind == "image" else f"data:image/{fmt};base64,{data}"
    return value


def endpoints_with_examples() -> list[str]:
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.json"))


def load(endpoint: str, group: str) -> list[Case]:
    raw = json.loads((EXAMPLES_DIR / f"{endpoint}.json").read_text(encoding="utf-8"))
    query = bool(raw.get("query"))
    cases = []
    for item in raw.get(group, []):
        extra = {k: v for k, v in item.items() if k not in ("name", "body", "code", "field")}
        cases.append(
            Case(
                endpoint,
                str(item["name"]),
                expand(item["body"]),
                int(item.get("code", 0)),
                str(item.get("field", "")),
                query,
                extra,
            )
        )
    return cases


def first_valid(endpoint: str, prefix: str = "minimal") -> dict[str, Any]:
    """The body of the endpoint's first valid example whose name starts with ``prefix``."""
    return next(c.body for c in load(endpoint, "valid") if c.name.startswith(prefix))


def all_cases(group: str) -> list[Case]:
    return [case for ep in endpoints_with_examples() for case in load(ep, group)]
