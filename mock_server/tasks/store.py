"""Where tasks and side records live, behind a small interface so a durable store can replace it.

The store hands out values (tasks are frozen; records are copied) and every change goes through
it (``add``, ``update``, ``put_record``), so a durable store can follow. Lists are served newest
first in O(page): each (account, endpoint) keeps its task ids in creation order, and a page is
a slice taken from the end, never a sort.
"""

from __future__ import annotations

import bisect
import copy
from array import array
from collections import defaultdict, deque
from collections.abc import Container, Iterator
from typing import Any, Protocol

from mock_server.tasks.model import Task


class TaskStore(Protocol):
    evicted: int  # finished tasks dropped past the cap (--max-tasks) since the last reset

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
    def put_record(
        self, kind: str, account: str, key: str, value: dict[str, Any], *, owner: str = ""
    ) -> None: ...
    def get_record(self, kind: str, account: str, key: str) -> dict[str, Any] | None: ...
    def records(self, kind: str, account: str) -> list[dict[str, Any]]: ...
    def reset(self) -> None: ...


class InMemoryTaskStore:
    """The default store: everything in dicts, gone when the process ends.

    ``max_tasks`` (``--max-tasks``; 0: no cap) bounds memory: past it, each new task evicts the
    oldest finished one (a task still running is never evicted), with the records issued for
    it (its media: their URLs then answer 404, as Kling's expire). A cursor of ``/tasks`` stays
    valid: positions in an account's log never move (``_Log``).
    """

    def __init__(self, max_tasks: int = 0) -> None:
        self._max_tasks = max_tasks
        self.reset()

    def reset(self) -> None:
        self._by_id: dict[str, Task] = {}
        self._by_external: dict[tuple[str, str], str] = {}
        self._ordered: dict[tuple[str, str], _Log] = defaultdict(_Log)
        self._order: deque[str] = deque()  # creation order, for eviction and tasks()
        self._by_account: dict[str, _Log] = defaultdict(_Log)
        self._records: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
        self._owned: dict[str, list[tuple[str, str, str]]] = {}  # task id -> its records
        self.evicted = 0

    def add(self, task: Task) -> None:
        if task.task_id in self._by_id:
            raise ValueError(f"duplicate task id {task.task_id}")
        self._by_id[task.task_id] = task
        if task.external_task_id:
            self._by_external[(task.account, task.external_task_id)] = task.task_id
        self._ordered[(task.account, task.endpoint)].append(task.task_id, task.created_at)
        self._order.append(task.task_id)
        self._by_account[task.account].append(task.task_id, task.created_at)
        if self._max_tasks and len(self._by_id) > self._max_tasks:
            self._evict_oldest_finished()

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
        log = self._ordered.get((account, endpoint))
        if log is None:
            return []
        stop = log.end - (page_num - 1) * page_size
        if stop <= log.start:
            return []
        ids = log.between(max(stop - page_size, log.start), stop)
        return [t for t in (self._by_id.get(i) for i in reversed(ids)) if t is not None]

    def by_external(self, account: str, external_task_id: str) -> Task | None:
        found = self._by_external.get((account, external_task_id))
        return self._by_id.get(found) if found else None

    def newest_first(
        self, account: str, *, start_ms: int, end_ms: int, before: int | None = None
    ) -> Iterator[tuple[int, Task]]:
        """(position, task) of the account's tasks created in ``[start_ms, end_ms]``, newest
        first, starting below ``before`` (a position an earlier call yielded). Positions
        never change (tasks are only appended, and eviction only trims the oldest), so they
        make stable cursors; finding the window is a binary search (creation times never
        decrease), so a page costs O(log n + page), not a scan of the account."""
        log = self._by_account.get(account)
        if log is None:
            return
        top = log.position_after(end_ms)
        if before is not None:
            top = min(top, before)
        for position in range(top - 1, log.start - 1, -1):
            if log.created_at(position) < start_ms:
                return
            task = self._by_id.get(log.id_at(position))
            if task is not None:
                yield position, task

    def tasks(self, account: str | None = None) -> list[Task]:
        """Every task (of one account, or of all), oldest first."""
        if account is None:  # eviction keeps _order's order
            return [t for t in (self._by_id.get(i) for i in self._order) if t is not None]
        log = self._by_account.get(account)
        ids = log.between(log.start, log.end) if log is not None else []
        return [t for t in (self._by_id.get(i) for i in ids) if t is not None]

    def _evict_oldest_finished(self) -> None:
        """Drop the oldest finished task; running ones met on the way keep their place."""
        kept: list[str] = []
        while self._order:
            task_id = self._order.popleft()
            task = self._by_id.get(task_id)
            if task is None:
                continue
            if not task.terminal:
                kept.append(task_id)
                continue
            self._drop(task)
            break
        self._order.extendleft(reversed(kept))

    def _drop(self, task: Task) -> None:
        del self._by_id[task.task_id]
        if task.external_task_id:
            self._by_external.pop((task.account, task.external_task_id), None)
        for kind, account, key in self._owned.pop(task.task_id, []):
            self._records.get((kind, account), {}).pop(key, None)
        for log in (self._ordered[(task.account, task.endpoint)], self._by_account[task.account]):
            log.trim(self._by_id)
        self.evicted += 1

    def put_record(
        self, kind: str, account: str, key: str, value: dict[str, Any], *, owner: str = ""
    ) -> None:
        """``owner``: the task the record was issued for; it goes when that task is evicted."""
        self._records[(kind, account)][key] = _copy(value)
        if owner and self._max_tasks:  # without a cap nothing is evicted: nothing to track
            self._owned.setdefault(owner, []).append((kind, account, key))

    def get_record(self, kind: str, account: str, key: str) -> dict[str, Any] | None:
        value = self._records.get((kind, account), {}).get(key)
        return None if value is None else _copy(value)

    def records(self, kind: str, account: str) -> list[dict[str, Any]]:
        return [_copy(v) for v in self._records.get((kind, account), {}).values()]


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _copy(record: dict[str, Any]) -> dict[str, Any]:
    """A copy nobody else holds. Records are JSON-shaped (dicts, lists, scalars), which a plain
    walk copies about ten times faster than ``deepcopy``; anything else is deep-copied."""
    copied: dict[str, Any] = _copy_value(record)
    return copied


def _copy_value(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {k: _copy_value(v) for k, v in value.items()}
    if kind is list:
        return [_copy_value(v) for v in value]
    return copy.deepcopy(value)


class _Log:
    """Task ids in creation order, with their creation times, addressed by position. Positions
    never change: trimming the oldest (eviction) only moves ``start``; the list is compacted
    now and then, and ``base`` remembers how many positions were cut off before it."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._created = array("q")
        self._base = 0  # the position of _ids[0]
        self.start = 0  # the first position still held

    @property
    def end(self) -> int:
        return self._base + len(self._ids)

    def append(self, task_id: str, created_at: int) -> None:
        self._ids.append(task_id)
        self._created.append(created_at)

    def id_at(self, position: int) -> str:
        return self._ids[position - self._base]

    def created_at(self, position: int) -> int:
        return self._created[position - self._base]

    def between(self, start: int, stop: int) -> list[str]:
        return self._ids[start - self._base : stop - self._base]

    def position_after(self, created_ms: int) -> int:
        """The first position created after ``created_ms`` (creation times never decrease)."""
        head = self.start - self._base
        return self._base + bisect.bisect_right(self._created, created_ms, lo=head)

    def trim(self, alive: Container[str]) -> None:
        """Move ``start`` past the oldest ids no longer ``alive``; compact when half is dead."""
        while self.start < self.end and self.id_at(self.start) not in alive:
            self.start += 1
        dead = self.start - self._base
        if dead > 1024 and dead * 2 > len(self._ids):
            del self._ids[:dead]
            del self._created[:dead]
            self._base = self.start
