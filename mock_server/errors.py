"""One error type for the whole fake: raise ``KlingError(code, message)`` anywhere.

The HTTP status and the default message come from ``schemas/errors.json``; only
``http/error_handlers.py`` turns the exception into a response.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from mock_server.paths import SCHEMAS_DIR


@functools.cache
def error_table() -> dict[int, dict[str, Any]]:
    raw = json.loads((SCHEMAS_DIR / "errors.json").read_text(encoding="utf-8"))
    return {int(code): row for code, row in raw["codes"].items()}


class KlingError(Exception):
    """A Kling service error: ``code`` from the documented table, ``message`` for the client."""

    def __init__(self, code: int, message: str | None = None, *, http_status: int | None = None):
        row = error_table()[code]
        self.code = code
        self.message = message or str(row["message"])
        self.http_status = http_status or int(row["http_status"])
        super().__init__(f"{code}: {self.message}")
