"""The one lifecycle engine: submitted -> processing -> succeed | failed, on the injected clock.

Each task gets a plan of timed transitions when it is created. ``tick()`` applies every
transition that is due, in time order, stamps ``updated_at`` with the planned time (so it is
deterministic and monotonic) and tells the listeners: that is the hook callbacks will use.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.tasks.clock import Clock
from mock_server.tasks.model import Status, Task
from mock_server.tasks.store import TaskStore

# The only moves a task can make; anything else is a bug and raises.
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {("submitted", "processing"), ("processing", "succeed"), ("processing", "failed")}
)


@dataclass(frozen=True)
class Timing:
    """Seconds a task waits in ``submitted`` and then spends in ``processing``."""

    queued_s: float
    running_s: float


# Defaults per lifecycle family (seconds, at --speed 1). Real Kling takes minutes; a fake that
# answers in seconds keeps development loops short while still exercising polling.
FAMILY_TIMINGS: Mapping[str, Timing] = {
    "video": Timing(queued_s=2.0, running_s=8.0),
    "image": Timing(queued_s=1.0, running_s=4.0),
    "try-on": Timing(queued_s=1.0, running_s=4.0),
    "audio": Timing(queued_s=1.0, running_s=3.0),
    "voice": Timing(queued_s=1.0, running_s=3.0),
    "element": Timing(queued_s=1.0, running_s=3.0),
}


@dataclass(frozen=True)
class StatusChange:
    task: Task
    old: Status | None  # None: the task was just created
    new: Status
    at_ms: int


Listener = Callable[[StatusChange], None]
Finisher = Callable[[Task], dict[str, Any]]


class Lifecycle:
    def __init__(
        self,
        clock: Clock,
        store: TaskStore,
        *,
        finish: Finisher,
        speed: float = 1.0,
        timings: Mapping[str, Timing] = FAMILY_TIMINGS,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self._clock = clock
        self._store = store
        self._finish = finish
        self._speed = speed
        self._timings = timings
        self._due: list[tuple[int, int, str]] = []
        self._seq = itertools.count()
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def reset(self) -> None:
        self._due.clear()

    def start(self, task: Task, family: str, failure_msg: str | None = None) -> None:
        """Plan a new task's transitions and queue the first one."""
        timing = self._timings[family]
        processing_at = task.created_at + max(1, round(timing.queued_s * 1000 / self._speed))
        done_at = processing_at + max(1, round(timing.running_s * 1000 / self._speed))
        task.failure_msg = failure_msg
        end: Status = "failed" if failure_msg is not None else "succeed"
        task.plan = [(processing_at, "processing"), (done_at, end)]
        self._push(task)
        for listener in self._listeners:
            listener(StatusChange(task, None, "submitted", task.created_at))

    def tick(self) -> list[StatusChange]:
        """Apply every transition due by now, oldest first."""
        now = self._clock.now_ms()
        changes: list[StatusChange] = []
        while self._due and self._due[0][0] <= now:
            _, _, task_id = heapq.heappop(self._due)
            task = self._store.by_id(task_id)
            if task is None or not task.plan:
                continue
            at, new = task.plan.pop(0)
            changes.append(self._apply(task, new, at))
            self._push(task)
        for change in changes:
            for listener in self._listeners:
                listener(change)
        return changes

    def _push(self, task: Task) -> None:
        if task.plan:
            heapq.heappush(self._due, (task.plan[0][0], next(self._seq), task.task_id))

    def _apply(self, task: Task, new: Status, at: int) -> StatusChange:
        old = task.status
        if (old, new) not in TRANSITIONS:
            raise RuntimeError(f"illegal transition {old} -> {new} for task {task.task_id}")
        if new == "succeed":
            task.result = self._finish(task)
        elif new == "failed":
            task.status_msg = task.failure_msg or "Task failed"
        task.status = new
        task.updated_at = max(task.updated_at, at)
        return StatusChange(task, old, new, task.updated_at)
