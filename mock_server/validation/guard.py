"""Every string that reaches the fake must be text it can store and send back.

JSON can carry a lone surrogate (``"\\ud800"``): a valid escape but not Unicode, so it cannot be
encoded to UTF-8 and any response that held it would fail. Such text is refused at the door,
wherever it is (body keys and values at any depth, query and path parameters, the
Authorization header), before anything is validated or stored: 1201 naming the field. The same
walk refuses bodies nested deeper than any Kling request, so that no recursive code after it
(validation, coercion, failure markers, rendering) can run out of stack. It walks with a list,
not recursion, for the same reason.
"""

from __future__ import annotations

import re
from typing import Any

from mock_server.errors import KlingError
from mock_server.validation.messages import field_path

MAX_DEPTH = 64  # Kling's deepest bodies nest 4 levels (element_list[0].refer_images[0].x)
_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_UNICODE = "contains a lone surrogate (not valid Unicode)"


def printable(text: str) -> str:
    """``text`` with lone surrogates spelled ``\\udXXX``, so a message can name it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _unencodable(text: str) -> bool:
    return not text.isascii() and _SURROGATE.search(text) is not None


def check_text(value: str, where: str, max_chars: int | None = None) -> None:
    """One string from the request line or headers: encodable, and within ``max_chars``."""
    if _unencodable(value):
        raise KlingError(1201, f"{printable(where)}: {_NOT_UNICODE}")
    if max_chars is not None and len(value) > max_chars:
        raise KlingError(1201, f"{where}: must be at most {max_chars} characters")


def check_tree(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """A parsed body: every key and string encodable, nesting within ``max_depth``."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if _unencodable(node):
                raise KlingError(1201, f"{printable(field_path(path))}: {_NOT_UNICODE}")
            continue
        if not isinstance(node, dict | list) or not node:
            continue
        if len(path) >= max_depth:
            raise KlingError(1201, f"{field_path(path)}: nested more than {max_depth} levels deep")
        if isinstance(node, list):
            stack.extend(((*path, index), item) for index, item in enumerate(node))
            continue
        for key, item in node.items():
            if _unencodable(key):
                where = printable(field_path((*path, key)))
                raise KlingError(1201, f"{where}: the field name {_NOT_UNICODE}")
            stack.append(((*path, key), item))
