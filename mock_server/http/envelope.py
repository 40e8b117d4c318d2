"""Kling's response envelope: ``{code, message, request_id, data}``; errors omit ``data``."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

SUCCESS_MESSAGE = "SUCCEED"


class KlingJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def success(data: Any, request_id: str) -> Response:
    return KlingJSONResponse(
        {"code": 0, "message": SUCCESS_MESSAGE, "request_id": request_id, "data": data}
    )


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
