"""Query strings arrive as text; give each parameter the JSON type its schema declares."""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import QueryParams

_INT = re.compile(r"^-?[0-9]{1,30}$")  # longer digit runs stay text (and fail the schema)
_NUM = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")


def typed_query(params: QueryParams, schema: dict[str, Any] | None) -> dict[str, Any]:
    props = (schema or {}).get("properties") or {}
    out: dict[str, Any] = {}
    for name, raw in params.items():  # a repeated parameter: the last one counts
        types = props.get(name, {}).get("type")
        types = types if isinstance(types, list) else [types]
        if "integer" in types and _INT.match(raw):
            out[name] = int(raw)
        elif "number" in types and _NUM.match(raw):
            out[name] = float(raw)
        elif "boolean" in types and raw in ("true", "false"):
            out[name] = raw == "true"
        else:
            out[name] = raw
    return out
