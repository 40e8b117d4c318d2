"""Kling's response envelope: ``{code, message, request_id, data}``; errors omit ``data``.

Rendering cannot fail, whatever was stored (orjson first; the standard library for what it
refuses): input is guarded at the door (validation/guard.py,
numbers.py), and should anything slip past, a string that is not Unicode is sent with U+FFFD
in place of what cannot be encoded and a number JSON cannot carry as ``null``, instead of every
page that holds it answering 500 from then on.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson
from starlette.responses import Response

SUCCESS_MESSAGE = "SUCCEED"
_SURROGATE = re.compile("[\ud800-\udfff]")  # the only text UTF-8 cannot encode


class KlingJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:  # orjson: about a tenth of json's time on a task page
            return orjson.dumps(content)
        except TypeError:  # a lone surrogate, an integer beyond 64 bits, a key that is no str
            pass
        try:
            return _dumps(content).encode("utf-8")
        except (UnicodeEncodeError, ValueError):  # ValueError: NaN or infinity
            return _dumps(_sendable(content)).encode("utf-8")


def _dumps(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _sendable(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {_sendable(str(k)): _sendable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_sendable(v) for v in value]
    return value


def success(data: Any, request_id: str, *, omit_data: bool = False) -> Response:
    """``omit_data``: a success without the data key, as live delete replies are sent."""
    body = {"code": 0, "message": SUCCESS_MESSAGE, "request_id": request_id, "data": data}
    if omit_data:
        del body["data"]
    return KlingJSONResponse(body)


def failure(
    code: int,
    message: str,
    request_id: str,
    http_status: int,
    headers: dict[str, str] | None = None,
) -> Response:
    return KlingJSONResponse(
        {"code": code, "message": message, "request_id": request_id},
        status_code=http_status,
        headers=headers,
    )
