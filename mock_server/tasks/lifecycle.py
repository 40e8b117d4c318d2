"""The one lifecycle engine: submitted -> processing -> succeed | failed, on the injected clock.

Each task gets a plan of steps when it is created (``plan``). ``tick()`` applies every step
that is due, in time order, stamps ``updated_at`` with the planned time (so it is
deterministic and monotonic), writes the new task value through the store and tells the
listeners, who get that value (a snapshot). Nothing here scans the store: due steps wait in a
heap, O(log n) each. The control API replaces a task's plan with ``steer`` (finish now, fail
now, hold, a timeline); ``polled`` counts queries for poll-driven steps.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mock_server.tasks.clock import Clock
from mock_server.tasks.model import Status, Step, Task
from mock_server.tasks.store import TaskStore
from mock_server.tasks.timings import FAMILY_TIMINGS, Timing, Timings

__all__ = ["FAMILY_TIMINGS", "TRANSITIONS", "Lifecycle", "StatusChange", "Timing"]

# The only moves a task can make; anything else is a bug (or a bad steer) and raises.
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {("submitted", "processing"), ("processing", "succeed"), ("processing", "failed")}
)


@dataclass(frozen=True)
class StatusChange:
    task: Task  # the task as it was right after the change
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
        timings: Timings | None = None,
        wake: Callable[[], None] | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self._clock = clock
        self._store = store
        self._finish = finish
        self._speed = speed
        self.timings = timings or Timings()
        self._wake = wake or (lambda: None)
        self._due: list[tuple[int, int, str, int]] = []  # (at_ms, seq, task_id, plan_version)
        self._seq = itertools.count()
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def reset(self) -> None:
        self._due.clear()

    # -- planning ----------------------------------------------------------------------------

    def plan(self, task: Task, family: str, failure_msg: str | None = None) -> Task:
        """The task with its default plan: the family's timings, divided by --speed."""
        timing = self.timings.get(family)
        processing_at = task.created_at + max(1, round(timing.queued_s * 1000 / self._speed))
        done_at = processing_at + max(1, round(timing.running_s * 1000 / self._speed))
        end: Status = "failed" if failure_msg is not None else "succeed"
        return task.replace(
            plan=(Step("processing", processing_at), Step(end, done_at, message=failure_msg))
        )

    def track(self, task: Task) -> None:
        """A new task (already in the store) starts its plan; listeners hear 'submitted'."""
        self._push(task)
        self._notify([StatusChange(task, None, "submitted", task.created_at)])

    def steer(self, task_id: str, steps: Sequence[Step]) -> Task:
        """Replace a running task's plan; steps due now happen at once. ValueError if the
        task has ended or the steps are not a legal path from its status."""
        task = self._store.by_id(task_id)
        if task is None:
            raise KeyError(task_id)
        if task.terminal:
            raise ValueError(f"task {task_id} has already ended ({task.status})")
        current: str = task.status
        for step in steps:
            if (current, step.status) not in TRANSITIONS:
                raise ValueError(f"a task cannot go from {current} to {step.status}")
            current = step.status
        now = self._clock.now_ms()
        planned = tuple(
            replace(s, at_ms=max(now, s.at_ms)) if s.at_ms is not None else s for s in steps
        )
        task = task.replace(plan=planned, plan_version=task.plan_version + 1, polls=0)
        self._store.update(task)
        self._push(task)
        self.tick()
        return self._store.by_id(task_id) or task

    def polled(self, task: Task) -> Task:
        """A client queried ``task``: count it. A step waiting for this many polls becomes due
        now, so this answer still shows the old status and the next one the new status."""
        if task.terminal:
            return task
        polls = task.polls + 1
        plan = task.plan
        due_now = bool(plan) and plan[0].after_polls is not None and polls >= plan[0].after_polls
        if due_now:
            now = self._clock.now_ms()
            due = min(now, plan[0].at_ms) if plan[0].at_ms is not None else now
            plan = (replace(plan[0], at_ms=due, after_polls=None), *plan[1:])
        task = task.replace(
            polls=polls, plan=plan, plan_version=task.plan_version + (1 if due_now else 0)
        )
        self._store.update(task)
        if due_now:
            self._push(task)
        return task

    # -- running -----------------------------------------------------------------------------

    def next_due_ms(self) -> int | None:
        """When the next step is due (None: nothing is waiting on time)."""
        while self._due and self._stale(self._due[0]):
            heapq.heappop(self._due)
        return self._due[0][0] if self._due else None

    def tick(self) -> list[StatusChange]:
        """Apply every step due by now, oldest first."""
        if not self._due:
            return []  # nothing waits on time: no need to read the clock
        now = self._clock.now_ms()
        changes: list[StatusChange] = []
        while self._due and self._due[0][0] <= now:
            entry = heapq.heappop(self._due)
            if self._stale(entry):
                continue
            task = self._store.by_id(entry[2])
            assert task is not None  # not stale
            change = self._apply(task, task.plan[0], entry[0])
            changes.append(change)
            self._push(change.task)
        self._notify(changes)
        return changes

    def _stale(self, entry: tuple[int, int, str, int]) -> bool:
        task = self._store.by_id(entry[2])
        return (
            task is None
            or task.plan_version != entry[3]
            or not task.plan
            or task.plan[0].at_ms != entry[0]
        )

    def _push(self, task: Task) -> None:
        if task.plan and task.plan[0].at_ms is not None:
            first = self._due[0][0] if self._due else None
            at = task.plan[0].at_ms
            heapq.heappush(self._due, (at, next(self._seq), task.task_id, task.plan_version))
            if first is None or at < first:
                self._wake()  # a sleeping worker must wake up earlier than it planned

    def _apply(self, task: Task, step: Step, at: int) -> StatusChange:
        old, new = task.status, step.status
        if (old, new) not in TRANSITIONS:
            raise RuntimeError(f"illegal transition {old} -> {new} for task {task.task_id}")
        changes: dict[str, Any] = {
            "status": new,
            "plan": task.plan[1:],
            "polls": 0,
            "updated_at": max(task.updated_at, at),
        }
        if new == "succeed":
            changes["result"] = self._finish(task)
        elif new == "failed":
            changes["status_msg"] = step.message or "Task failed"
        done = task.replace(**changes)
        self._store.update(done)
        return StatusChange(done, old, new, done.updated_at)

    def _notify(self, changes: list[StatusChange]) -> None:
        for change in changes:
            for listener in self._listeners:
                listener(change)
