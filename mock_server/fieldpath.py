"""Reading a field of a request body by its dotted path, as the manifest and the schemas'
rules name it: ``settings.duration``, or ``contents[type=feature_video]`` for the first item of
an array whose ``type`` is ``feature_video`` (the model-path design's typed ``contents[]``)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

SELECT = re.compile(r"^(?P<name>\w+)\[(?P<key>\w+)=(?P<value>[^\]]+)\]$")
ABSENT: Any = object()


Path = tuple[str | int, ...]


Part = tuple[str, tuple[str, str] | None]  # (name, (key, value) of a selector or None)


@functools.lru_cache(maxsize=1024)
def _parts(path: str) -> tuple[Part, ...]:
    """``path`` parsed once: the manifest and the schemas name a few hundred paths at most."""
    parts: list[Part] = []
    for part in path.split("."):
        select = SELECT.match(part)
        parts.append((select["name"], (select["key"], select["value"])) if select else (part, None))
    return tuple(parts)


def find_all(instance: Any, path: str) -> Iterator[tuple[Path, Any]]:
    """(concrete path, value) of every value at ``path``; a selector part matches every item
    of its array with that key (``contents[type=prompt].text`` -> each prompt item's text)."""
    found: list[tuple[Path, Any]] = [((), instance)]
    for name, select in _parts(path):
        step: list[tuple[Path, Any]] = []
        for at, value in found:
            if not isinstance(value, dict) or name not in value:
                continue
            inner = value[name]
            if not select:
                step.append(((*at, name), inner))
                continue
            for index, item in enumerate(inner if isinstance(inner, list) else []):
                if isinstance(item, dict) and item.get(select[0]) == select[1]:
                    step.append(((*at, name, index), item))
        found = step
    yield from found


def get(instance: Any, path: str, default: Any = ABSENT) -> Any:
    """The value at ``path`` (a selector part: the first matching item), or ``default`` when
    any step is missing."""
    if "." not in path and "[" not in path:  # a plain name: most of the manifest's fields
        return instance.get(path, default) if isinstance(instance, dict) else default
    return next((value for _, value in find_all(instance, path)), default)
