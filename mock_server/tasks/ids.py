"""Every id the fake makes, from one seed, so a run can be repeated exactly (``--seed``)."""

from __future__ import annotations

import random
import uuid


class IdFactory:
    """Kling-shaped ids: 18-digit numeric task ids, UUID request and media ids."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"kling-mock:ids:{seed}")

    def task_id(self) -> str:
        # 2026 task ids are ~18-digit numeric strings, e.g. "866889456698785798".
        return str(self._rng.randrange(700_000_000_000_000_000, 900_000_000_000_000_000))

    def numeric_id(self, digits: int = 18) -> str:
        return str(self._rng.randrange(10 ** (digits - 1), 10**digits))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def hex32(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"
