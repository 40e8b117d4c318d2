"""Every callback attempt, whatever happened, for tests and the control API to read.

As respx's router records a call whether the route answered, raised or passed through, the
sender writes one row per attempt: delivered, retrying, gave up, or dropped by a fault rule.
The journal is bounded (oldest rows fall off) and hands out copies, so a reader can never
change what the next reader sees.
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from typing import Any, Literal, TypedDict

Outcome = Literal["delivered", "retrying", "gave_up", "dropped"]
OUTCOMES: tuple[Outcome, ...] = ("delivered", "retrying", "gave_up", "dropped")


class AttemptRow(TypedDict):
    task_id: str
    url: str
    task_status: str  # the status this delivery reports
    webhook_id: str  # the same for every attempt (and copy) of one delivery
    attempt: int  # 1-based
    at_ms: int  # simulated time the attempt started
    outcome: Outcome
    http_status: int | None  # None: no response (error says why)
    error: str | None  # timeout, connection refused, ...; None when a response came
    payload: Any  # the body, decoded
    headers: dict[str, str] | None  # the signature headers; None when unsigned
    latency_ms: int  # real time the attempt took; 0 when nothing was sent


class CallbackJournal:
    def __init__(self, maxlen: int = 1000) -> None:
        if isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 1:
            raise ValueError(f"callback journal size must be a whole number >= 1, got {maxlen!r}")
        self._rows: deque[AttemptRow] = deque(maxlen=maxlen)
        self._lock = threading.Lock()  # the control API may read from another thread

    @property
    def maxlen(self) -> int:
        return self._rows.maxlen or 0

    def record(self, row: AttemptRow) -> None:
        if row["outcome"] not in OUTCOMES:
            raise ValueError(f"unknown callback outcome {row['outcome']!r}")
        with self._lock:
            self._rows.append(copy.deepcopy(row))

    def rows(
        self,
        *,
        task_id: str | None = None,
        status: str | None = None,
        outcome: str | None = None,
    ) -> list[AttemptRow]:
        """Oldest first; each filter given must match (``status`` is the reported status)."""
        with self._lock:
            picked = [
                row
                for row in self._rows
                if (task_id is None or row["task_id"] == task_id)
                and (status is None or row["task_status"] == status)
                and (outcome is None or row["outcome"] == outcome)
            ]
            return copy.deepcopy(picked)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)
