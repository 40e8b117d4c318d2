"""The task record. Rendering it on the wire is ``results/render.py``'s job."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["submitted", "processing", "succeed", "failed"]
TERMINAL: frozenset[str] = frozenset({"succeed", "failed"})


@dataclass
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
    # (due time in ms, status) still to happen, in order; the lifecycle consumes it.
    plan: list[tuple[int, Status]] = field(default_factory=list)
    failure_msg: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    units: str = "0"
    parent_video: dict[str, str] | None = None

    def __post_init__(self) -> None:
        self.updated_at = self.updated_at or self.created_at

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL
