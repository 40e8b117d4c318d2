"""Where tasks and side records live, behind a small interface so a durable store can replace it.

The store hands out values (tasks are frozen; records are copied) and every change goes through
it (``add``, ``update``, ``put_record``), so a durable store can follow. Lists are served newest
first in O(page): each (account, endpoint) keeps its task ids in creation order, and a page is
a slice taken from the end, never a sort.
"""

from __future__ import annotations

import bisect
import copy
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, Protocol

from mock_server.tasks.model import Task


class TaskStore(Protocol):
    def add(self, task: Task) -> None: ...
    def update(self, task: Task) -> None: ...
    def by_id(self, task_id: str) -> Task | None: ...
    def find(
        self, account: str, endpoint: str, ident: str, *, by_external: bool
    ) -> Task | None: ...
    def external_taken(self, account: str, external_task_id: str) -> bool: ...
    def page(self, account: str, endpoint: str, page_num: int, page_size: int) -> list[Task]: ...
    def tasks(self, account: str | None = None) -> list[Task]: ...
    def by_external(self, account: str, external_task_id: str) -> Task | None: ...
    def newest_first(
        self, account: str, *, start_ms: int, end_ms: int, before: int | None = None
    ) -> Iterator[tuple[int, Task]]: ...
    def put_record(self, kind: str, account: str, key: str, value: dict[str, Any]) -> None: ...
    def get_record(self, kind: str, account: str, key: str) -> dict[str, Any] | None: ...
    def records(self, kind: str, account: str) -> list[dict[str, Any]]: ...
    def reset(self) -> None: ...


class InMemoryTaskStore:
    """The default store: everything in dicts, gone when the process ends."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._by_id: dict[str, Task] = {}
        self._by_external: dict[tuple[str, str], str] = {}
        self._ordered: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._order: list[str] = []
        self._by_account: dict[str, list[str]] = defaultdict(list)
        self._records: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)

    def add(self, task: Task) -> None:
        if task.task_id in self._by_id:
            raise ValueError(f"duplicate task id {task.task_id}")
        self._by_id[task.task_id] = task
        if task.external_task_id:
            self._by_external[(task.account, task.external_task_id)] = task.task_id
        self._ordered[(task.account, task.endpoint)].append(task.task_id)
        self._order.append(task.task_id)
        self._by_account[task.account].append(task.task_id)

    def update(self, task: Task) -> None:
        """Replace a task by a newer value of itself; who owns it never changes."""
        old = self._by_id.get(task.task_id)
        if old is None:
            raise KeyError(f"no task {task.task_id}")
        if (old.account, old.endpoint, old.external_task_id) != (
            task.account,
            task.endpoint,
            task.external_task_id,
        ):
            raise ValueError(f"task {task.task_id}: account, endpoint and external id are fixed")
        self._by_id[task.task_id] = task

    def by_id(self, task_id: str) -> Task | None:
        return self._by_id.get(task_id)

    def find(self, account: str, endpoint: str, ident: str, *, by_external: bool) -> Task | None:
        task = self._by_id.get(ident)
        if task is None and by_external:
            found = self._by_external.get((account, ident))
            task = self._by_id.get(found) if found else None
        if task is None or task.account != account or task.endpoint != endpoint:
            return None
        return task

    def external_taken(self, account: str, external_task_id: str) -> bool:
        return (account, external_task_id) in self._by_external

    def page(self, account: str, endpoint: str, page_num: int, page_size: int) -> list[Task]:
        ids = self._ordered.get((account, endpoint), [])
        stop = len(ids) - (page_num - 1) * page_size
        if stop <= 0:
            return []
        start = max(stop - page_size, 0)
        return [self._by_id[i] for i in reversed(ids[start:stop])]

    def by_external(self, account: str, external_task_id: str) -> Task | None:
        found = self._by_external.get((account, external_task_id))
        return self._by_id.get(found) if found else None

    def newest_first(
        self, account: str, *, start_ms: int, end_ms: int, before: int | None = None
    ) -> Iterator[tuple[int, Task]]:
        """(position, task) of the account's tasks created in ``[start_ms, end_ms]``, newest
        first, starting below ``before`` (a position an earlier call yielded). Positions
        never change (tasks are only appended), so they make stable cursors; finding the
        window is a binary search (creation times never decrease), so a page costs
        O(log n + page), not a scan of the account."""
        ids = self._by_account.get(account, [])
        top = bisect.bisect_right(ids, end_ms, key=lambda i: self._by_id[i].created_at)
        if before is not None:
            top = min(top, before)
        for position in range(top - 1, -1, -1):
            task = self._by_id[ids[position]]
            if task.created_at < start_ms:
                return
            yield position, task

    def tasks(self, account: str | None = None) -> list[Task]:
        """Every task (of one account, or of all), oldest first."""
        ids = self._order if account is None else self._by_account.get(account, [])
        return [self._by_id[i] for i in ids]

    def put_record(self, kind: str, account: str, key: str, value: dict[str, Any]) -> None:
        self._records[(kind, account)][key] = copy.deepcopy(value)

    def get_record(self, kind: str, account: str, key: str) -> dict[str, Any] | None:
        value = self._records.get((kind, account), {}).get(key)
        return None if value is None else copy.deepcopy(value)

    def records(self, kind: str, account: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(v) for v in self._records.get((kind, account), {}).values()]
