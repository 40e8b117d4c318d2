"""Forgiving paths: ``//v1//videos/text2video/`` is served as ``/v1/videos/text2video``.

Real clients join base URLs and paths carelessly (a base ending in ``/`` plus a path starting
with one, or a trailing slash), and Kling's front end serves those spellings. The path is
normalised once, before routing, the journal and the fault rules see it (http/door.py):
repeated slashes collapse to one and a trailing slash is dropped. No redirect is sent
(Starlette's router would answer a trailing slash with a 307, which many HTTP clients do not
follow for POST).
"""

from __future__ import annotations

import re

from starlette.types import Scope

_SLASHES = re.compile(r"//+")
_RAW_SLASHES = re.compile(rb"//+")


def canonical_path(path: str) -> str:
    """``path`` with repeated slashes collapsed and no trailing slash (``/`` stays ``/``)."""
    return _SLASHES.sub("/", path).rstrip("/") or "/"


def _canonical_raw(raw: bytes) -> bytes:
    return _RAW_SLASHES.sub(b"/", raw).rstrip(b"/") or b"/"


def folded(scope: Scope) -> Scope:
    """``scope`` itself when its path is canonical (nearly every request: two ``str`` tests,
    no regex), else a copy with the path (and ``raw_path``) made canonical."""
    path: str = scope["path"]
    if path == "/" or (path and "//" not in path and path[-1] != "/"):
        return scope
    scope = {**scope, "path": canonical_path(path)}
    if isinstance(scope.get("raw_path"), bytes):
        scope["raw_path"] = _canonical_raw(scope["raw_path"])
    return scope
