"""A request body's bytes -> the JSON object, in about twice the body's size at most.

Python holds a string at 1, 2 or 4 bytes a character, the widest character deciding, so one
emoji in a prompt would make the decoded copy of a 50 MB body of Base64 images 200 MB. The
body is therefore decoded as ASCII, with any other character written as the JSON escape
``\\uXXXX`` that means the same (strings still parse to the same text). The bytes are released
as soon as the text exists, and the text as soon as it is parsed: at most two copies live at
once. Two budgets are checked on the bytes first, because neither can be bounded after
parsing: JSON values (each costs Python 50-200 bytes, against 2-3 bytes on the wire) and
non-ASCII text (no Kling text field comes near it; each run of it is escaped separately).
"""

from __future__ import annotations

import json
import re
from typing import Any

from mock_server.errors import KlingError
from mock_server.validation.numbers import parse_float, parse_int

MAX_JSON_VALUES = 100_000  # Kling bodies hold tens; "," "[" "{" inside strings count too
MAX_NON_ASCII_BYTES = 1 << 20  # prompts are at most 2500 characters
_NON_ASCII = re.compile(rb"[\x80-\xff]+")
_UTF8_BOM = b"\xef\xbb\xbf"


def parse_json_object(buf: bytearray) -> dict[str, Any]:
    """The body as a JSON object, or 1200 saying what is wrong with it. Empties ``buf``."""
    if not buf or buf.isspace():
        raise KlingError(1200, "request body is empty; expected a JSON object")
    values = buf.count(b",") + buf.count(b"[") + buf.count(b"{")
    if values > MAX_JSON_VALUES:
        raise KlingError(1200, f"request body holds more than {MAX_JSON_VALUES} JSON values")
    text = _text(buf)
    try:
        value = json.loads(
            text, parse_constant=_reject_constant, parse_float=parse_float, parse_int=parse_int
        )
    except (ValueError, RecursionError):
        raise KlingError(1200, "request body is not valid JSON") from None
    finally:
        del text
    if not isinstance(value, dict):
        raise KlingError(1200, "request body must be a JSON object")
    return value


def _text(buf: bytearray) -> str:
    """The body's text; ``buf`` is emptied before a second copy could join the first two."""
    try:
        if buf.isascii():
            return buf.decode("ascii")
        encoding = json.detect_encoding(buf)
        if not encoding.startswith("utf-8"):  # UTF-16/32: RFC 8259 says UTF-8, json took them
            return buf.decode(encoding)
        escaped = _escaped(buf)
        buf.clear()
        return escaped.decode("ascii")
    except UnicodeDecodeError:
        raise KlingError(1200, "request body is not valid JSON (not UTF-8 text)") from None
    finally:
        buf.clear()


def _escaped(buf: bytearray) -> bytearray:
    """``buf`` in ASCII: each run of other characters as JSON ``\\uXXXX`` escapes."""
    start = len(_UTF8_BOM) if buf.startswith(_UTF8_BOM) else 0
    out, seen = bytearray(), 0
    with memoryview(buf) as view:
        for run in _NON_ASCII.finditer(buf, start):
            seen += run.end() - run.start()
            if seen > MAX_NON_ASCII_BYTES:
                raise KlingError(
                    1200,
                    f"request body holds more than {MAX_NON_ASCII_BYTES} bytes of non-ASCII text",
                )
            out += view[start : run.start()]
            out += json.dumps(run[0].decode("utf-8"))[1:-1].encode("ascii")
            start = run.end()
        out += view[start:]
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
