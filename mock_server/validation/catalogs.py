"""Catalogues a request field is checked against (``x-kling-catalog``), read once.

A catalogue is a JSON list of objects under ``fixtures/`` (the same files the catalogue
endpoints page through); ``key`` names the field of each item that a request value must equal.
"""

from __future__ import annotations

import functools
import json

from mock_server.paths import FIXTURES_DIR


@functools.cache
def catalog_keys(rel_path: str, key: str) -> frozenset[str]:
    items = json.loads((FIXTURES_DIR / rel_path).read_text(encoding="utf-8"))
    return frozenset(str(item[key]) for item in items)
