"""Each task's query form, kept as JSON bytes for the tasks rendered last, so a page of tasks
that have not changed is joined from bytes instead of rendered and serialized again.

What the form depends on: the task, and whether its endpoint shows ``watermark_info``
(``render.task_data`` reads no clock, host or setting: result URLs were written into the task
when it finished). A task is a value (tasks/model.py): a new version is a new object, so an
entry is found by the task object itself (its ``id()``, then ``is``; the entry holds the task,
so that id cannot be reused while it is kept) and a changed task is never served its old form.
Bounded: the oldest entries go first, so memory does not grow with the store.
"""

from __future__ import annotations

from typing import Any

import orjson

from mock_server.results import render
from mock_server.tasks.model import Task

SIZE = 2048  # a few hundred bytes each: well under 2 MB


class RenderedTasks:
    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._entries: dict[int, tuple[Task, bool, orjson.Fragment]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def page(self, tasks: list[Task], watermark_supported: bool) -> list[Any]:
        """``tasks`` as the ``data`` of a page: JSON fragments, or (should one task hold
        something orjson refuses) plain dicts for the envelope's careful encoder."""
        out: list[Any] = []
        for task in tasks:
            fragment = self.fragment(task, watermark_supported)
            if fragment is None:
                return [render.task_data(t, watermark_supported=watermark_supported) for t in tasks]
            out.append(fragment)
        return out

    def one(self, task: Task, watermark_supported: bool) -> Any:
        """One task's form, from the cache only once it is finished: until then every query
        counts as a poll and makes a new version (tasks/lifecycle.py), so no form would be
        asked for twice and each would push out one that will."""
        if task.terminal:
            fragment = self.fragment(task, watermark_supported)
            if fragment is not None:
                return fragment
        return render.task_data(task, watermark_supported=watermark_supported)

    def fragment(self, task: Task, watermark_supported: bool) -> orjson.Fragment | None:
        """``render.task_data(task)`` as JSON; None if orjson cannot encode it."""
        hit = self._entries.get(id(task))
        if hit is not None and hit[0] is task and hit[1] == watermark_supported:
            return hit[2]
        data = render.task_data(task, watermark_supported=watermark_supported)
        try:
            fragment = orjson.Fragment(orjson.dumps(data))
        except TypeError:
            return None
        if hit is None and len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]
        self._entries[id(task)] = (task, watermark_supported, fragment)
        return fragment
