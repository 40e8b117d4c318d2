"""Read a request body within a size cap, refusing before the whole body is in memory."""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request

from mock_server.errors import KlingError


async def read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            too_big = int(declared) > max_bytes
        except ValueError:
            raise KlingError(1200, "Content-Length is not a number") from None
        if too_big:
            raise KlingError(1200, f"request body is larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise KlingError(1200, f"request body is larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e999 parses to infinity, which JSON cannot carry back out
        raise ValueError(f"{text} is out of range")
    return value


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or 1200 saying what is wrong with it."""
    if not raw.strip():
        raise KlingError(1200, "request body is empty; expected a JSON object")
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise KlingError(1200, "request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise KlingError(1200, "request body must be a JSON object")
    return value
