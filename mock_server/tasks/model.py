"""The task record: a value. Nothing changes a task in place; the lifecycle makes a new one
with ``replace`` and puts it through the store, so whoever holds a task holds a snapshot.
Rendering it on the wire is ``results/render.py``'s job."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

Status = Literal["submitted", "processing", "succeed", "failed"]
STATUSES: tuple[Status, ...] = ("submitted", "processing", "succeed", "failed")
TERMINAL: frozenset[str] = frozenset({"succeed", "failed"})


@dataclass(frozen=True)
class Step:
    """One planned transition. It happens at ``at_ms`` (simulated time), or once the task
    has been queried ``after_polls`` times in its current status, whichever comes first; a
    step with neither is held until steered (control API)."""

    status: Status
    at_ms: int | None = None
    after_polls: int | None = None
    message: str | None = None  # task_status_msg when the step is "failed"


@dataclass(frozen=True, slots=True)
class Task:
    task_id: str
    account: str
    endpoint: str
    created_at: int
    body: dict[str, Any]
    base_url: str
    external_task_id: str | None = None
    status: Status = "submitted"
    status_msg: str = ""
    updated_at: int = 0
    plan: tuple[Step, ...] = ()  # transitions still to happen, in order
    plan_version: int = 0  # bumped when the plan is replaced (stale timers are ignored)
    polls: int = 0  # queries answered in the current status
    result: dict[str, Any] = field(default_factory=dict)
    units: str = "0"
    parent_video: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if not self.updated_at:
            object.__setattr__(self, "updated_at", self.created_at)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def replace(self, **changes: Any) -> Task:
        """A new value with ``changes``; as ``dataclasses.replace`` (which re-runs ``__init__``
        and costs ~12 us, paid on every poll) without the work a copy of a checked value
        does not need."""
        unknown = changes.keys() - set(_TASK_FIELDS)
        if unknown:
            raise TypeError(f"Task has no field(s) {sorted(unknown)}")
        new = object.__new__(Task)
        for name, read, write in _SLOTS:
            write(new, changes[name] if name in changes else read(self))
        return new


_TASK_FIELDS = tuple(f.name for f in fields(Task))
# Each field's slot descriptor: reading and writing through it skips attribute lookup (and
# the frozen class's __setattr__, which refuses every write).
_SLOTS = tuple((n, Task.__dict__[n].__get__, Task.__dict__[n].__set__) for n in _TASK_FIELDS)
