"""Every id the fake makes, from one seed, one stream per purpose (``--seed``).

Task ids, request ids and the ids inside results and sync objects each have their own seeded
stream, so an unrelated request (a poll draws a request id) never shifts the ids of another
task. Without a seed every run draws a fresh one, so ids never repeat across restarts (a
client polling an old id after a restart must not find a different task).
"""

from __future__ import annotations

import random
import secrets


class IdFactory:
    """Kling-shaped ids: 18-digit numeric task ids, UUID request and object ids."""

    def __init__(self, seed: int | None) -> None:
        self.seed = secrets.randbits(63) if seed is None else seed
        self._tasks = random.Random(f"kling-mock:task-ids:{self.seed}")
        self._requests = random.Random(f"kling-mock:request-ids:{self.seed}")
        self._objects = random.Random(f"kling-mock:object-ids:{self.seed}")
        self._webhooks = random.Random(f"kling-mock:webhook-ids:{self.seed}")

    def task_id(self) -> str:
        # 2026 task ids are ~18-digit numeric strings, e.g. "866889456698785798".
        return str(self._tasks.randrange(700_000_000_000_000_000, 900_000_000_000_000_000))

    def request_id(self) -> str:
        return _uuid4(self._requests.getrandbits(128))

    def webhook_id(self) -> str:
        """A callback's idempotency key, e.g. "8674665223082153551" (19 digits, as seen)."""
        return str(self._webhooks.randrange(10**18, 10**19))

    def numeric_id(self, digits: int = 18) -> str:
        return str(self._objects.randrange(10 ** (digits - 1), 10**digits))

    def uuid(self) -> str:
        return _uuid4(self._objects.getrandbits(128))

    def hex32(self) -> str:
        return f"{self._objects.getrandbits(128):032x}"


_VERSION_MASK = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_BITS = (0x4000 << 64) | (0x8000 << 48)  # version 4, RFC 4122 variant


def _uuid4(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))`` in a third of its time (every answer draws one)."""
    h = f"{(bits & _VERSION_MASK) | _VERSION_BITS:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
