"""Numbers too large for Python to hold as usual stay numbers, so bounds judge them as usual.

JSON puts no limit on digits: Python turns ``1e400`` into infinity and refuses to read an
integer of more than 4300 digits. Either way the value lies beyond every documented range, so
the JSON reader and lenient conversion keep it as a ``HugeNumber`` (an infinite float that
remembers the text sent). A field's own bound then answers as for any other value
(``n: must be <= 9``); converted to a string field it reads as the text sent, as ``5`` reads
as ``"5"``; and one that no bound catches is refused with the same kind of message before
anything is stored (see ``out_of_range``), so nothing infinite can ever reach a response.
"""

from __future__ import annotations

import math
import sys
from typing import Any

LARGEST = sys.float_info.max


class HugeNumber(float):
    """``float('inf')`` or ``float('-inf')`` with the number's text as sent."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> HugeNumber:
        number = super().__new__(cls, "-inf" if text.lstrip().startswith("-") else "inf")
        number.text = text
        return number


def parse_int(text: str) -> int | HugeNumber:
    """JSON reader hook and lenient conversion for integer text."""
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        return HugeNumber(text)


def parse_float(text: str) -> float:
    """JSON reader hook and lenient conversion for decimal text."""
    value = float(text)
    return HugeNumber(text) if math.isinf(value) else value


def is_huge(value: Any) -> bool:
    return isinstance(value, float) and math.isinf(value)


def out_of_range(value: float) -> str:
    """The bound message for a number no documented bound caught (it is infinite)."""
    return f"must be >= {-LARGEST:g}" if value < 0 else f"must be <= {LARGEST:g}"
