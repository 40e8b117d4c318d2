"""Where tasks and side records live, behind a small interface so a durable store can replace it.

Lists are served newest first in O(page): each (account, endpoint) keeps its tasks in creation
order, and a page is a slice taken from the end, never a sort.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Protocol

from mock_server.tasks.model import Task


class TaskStore(Protocol):
    def add(self, task: Task) -> None: ...
    def by_id(self, task_id: str) -> Task | None: ...
    def find(
        self, account: str, endpoint: str, ident: str, *, by_external: bool
    ) -> Task | None: ...
    def external_taken(self, account: str, external_task_id: str) -> bool: ...
    def page(self, account: str, endpoint: str, page_num: int, page_size: int) -> list[Task]: ...
    def tasks(self, account: str) -> list[Task]: ...
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
        self._by_external: dict[tuple[str, str], Task] = {}
        self._ordered: dict[tuple[str, str], list[Task]] = defaultdict(list)
        self._by_account: dict[str, list[Task]] = defaultdict(list)
        self._records: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)

    def add(self, task: Task) -> None:
        if task.task_id in self._by_id:
            raise ValueError(f"duplicate task id {task.task_id}")
        self._by_id[task.task_id] = task
        if task.external_task_id:
            self._by_external[(task.account, task.external_task_id)] = task
        self._ordered[(task.account, task.endpoint)].append(task)
        self._by_account[task.account].append(task)

    def by_id(self, task_id: str) -> Task | None:
        return self._by_id.get(task_id)

    def find(self, account: str, endpoint: str, ident: str, *, by_external: bool) -> Task | None:
        task = self._by_id.get(ident)
        if task is None and by_external:
            task = self._by_external.get((account, ident))
        if task is None or task.account != account or task.endpoint != endpoint:
            return None
        return task

    def external_taken(self, account: str, external_task_id: str) -> bool:
        return (account, external_task_id) in self._by_external

    def page(self, account: str, endpoint: str, page_num: int, page_size: int) -> list[Task]:
        tasks = self._ordered.get((account, endpoint), [])
        stop = len(tasks) - (page_num - 1) * page_size
        if stop <= 0:
            return []
        start = max(stop - page_size, 0)
        return tasks[start:stop][::-1]

    def tasks(self, account: str) -> list[Task]:
        return list(self._by_account.get(account, []))

    def put_record(self, kind: str, account: str, key: str, value: dict[str, Any]) -> None:
        self._records[(kind, account)][key] = value

    def get_record(self, kind: str, account: str, key: str) -> dict[str, Any] | None:
        return self._records.get((kind, account), {}).get(key)

    def records(self, kind: str, account: str) -> list[dict[str, Any]]:
        return list(self._records.get((kind, account), {}).values())
