"""Small helpers about request and response payloads used by checks and flows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any


def result_urls(node: Any) -> Iterable[str]:
    """Every http(s) URL under a key that names a URL (url, url_1, trial_url, ...)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and value.startswith("http") and "url" in key:
                yield value
            else:
                yield from result_urls(value)
    elif isinstance(node, list):
        for item in node:
            yield from result_urls(item)


def short(body: Any) -> str:
    text = repr(body)
    return text if len(text) < 300 else text[:300] + "..."


def unique_external_id() -> str:
    return f"contract-{uuid.uuid4().hex[:16]}"
