"""Reading a field of a request body by its dotted path, as the manifest and the schemas'
rules name it: ``settings.duration``, or ``contents[type=feature_video]`` for the first item of
an array whose ``type`` is ``feature_video`` (the model-path design's typed ``contents[]``)."""

from __future__ import annotations

import re
from typing import Any

SELECT = re.compile(r"^(?P<name>\w+)\[(?P<key>\w+)=(?P<value>[^\]]+)\]$")
ABSENT: Any = object()


def get(instance: Any, path: str, default: Any = ABSENT) -> Any:
    """The value at ``path``, or ``default`` when any step is missing."""
    value = instance
    for part in path.split("."):
        select = SELECT.match(part)
        name = select["name"] if select else part
        if not isinstance(value, dict) or name not in value:
            return default
        value = value[name]
        if select:
            items = value if isinstance(value, list) else []
            found = [
                i for i in items if isinstance(i, dict) and i.get(select["key"]) == select["value"]
            ]
            if not found:
                return default
            value = found[0]
    return value
