"""How long a task waits in ``submitted`` and then spends in ``processing``, per family.

Defaults are registered once; users override a family at run time and unset it again (the
control API does), as moto's state manager does with ``set_transition``/``unset_transition``:
``get`` falls back from the override to the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Seconds in ``submitted``, then in ``processing`` (at --speed 1)."""

    queued_s: float
    running_s: float

    def __post_init__(self) -> None:
        for name in ("queued_s", "running_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
            if value > 30 * 86_400:
                raise ValueError(f"{name} must be at most 30 days, got {value!r}")


# Real Kling takes minutes; a fake that answers in seconds keeps development loops short while
# still exercising polling.
FAMILY_TIMINGS: Mapping[str, Timing] = {
    "video": Timing(queued_s=2.0, running_s=8.0),
    "image": Timing(queued_s=1.0, running_s=4.0),
    "try-on": Timing(queued_s=1.0, running_s=4.0),
    "audio": Timing(queued_s=1.0, running_s=3.0),
    "voice": Timing(queued_s=1.0, running_s=3.0),
    "element": Timing(queued_s=1.0, running_s=3.0),
}


class Timings:
    def __init__(self, defaults: Mapping[str, Timing] = FAMILY_TIMINGS) -> None:
        self._defaults = dict(defaults)
        self._overrides: dict[str, Timing] = {}

    @property
    def families(self) -> list[str]:
        return sorted(self._defaults)

    def get(self, family: str) -> Timing:
        return self._overrides.get(family) or self._defaults[family]

    def set(self, family: str, timing: Timing) -> None:
        self._known(family)
        self._overrides[family] = timing

    def unset(self, family: str) -> None:
        self._known(family)
        self._overrides.pop(family, None)

    def describe(self) -> dict[str, dict[str, Any]]:
        return {
            family: {
                "queued_s": self.get(family).queued_s,
                "running_s": self.get(family).running_s,
                "source": "override" if family in self._overrides else "default",
            }
            for family in self.families
        }

    def _known(self, family: str) -> None:
        if family not in self._defaults:
            raise KeyError(f"unknown family {family!r}; known: {', '.join(self.families)}")
