"""What a task's success produces: its parent video (extensions, lip-sync: the video it works
on), then its result from the manifest's builder, with every file owned by the task (evicted
with it) and every id it issues recorded, with what made it, for later references."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.results.builder import BUILDERS, BuildContext
from mock_server.spec.registry import Endpoint
from mock_server.tasks.model import Task

if TYPE_CHECKING:
    from mock_server.backend import Backend

PARENT_VIDEO_SECONDS = 5.1  # a source the fake did not make: as long as its own 5 s videos


def parent_video(backend: Backend, task: Task) -> dict[str, str]:
    """The source the manifest's ``parent_video.source`` field names: a video the fake made,
    or a session made on one (identify-face), each recorded with its length; a source the
    body does not name by id (a URL) gets a fresh id and the default length."""
    ep: Endpoint = backend.registry.endpoints[task.endpoint]
    field = ep.parent_source
    source = task.body.get(field) if field else None
    made = None
    if field and source:
        op_id = f"{ep.id}.create"
        now = backend.clock.now_ms()
        made = backend.references.named(op_id, field, backend.store, task.account, now, task.body)
    source = source or backend.ids.uuid()
    seconds = float((made or {}).get("seconds") or PARENT_VIDEO_SECONDS)
    urls = backend.media_urls(task.base_url, owner=task.task_id)
    url = urls.video(f"{task.task_id}-parent", seconds=seconds)
    return {"id": str(source), "url": url, "duration": f"{seconds:.1f}"}


def result(backend: Backend, task: Task) -> dict[str, Any]:
    ep: Endpoint = backend.registry.endpoints[task.endpoint]
    watermark = ep.watermark and (task.body.get("watermark_info") or {}).get("enabled") is True
    ctx = BuildContext(
        task=task,
        body=task.body,
        ids=backend.ids,
        urls=backend.media_urls(task.base_url, owner=task.task_id),
        watermark=watermark,
        owner=backend.user_id(task.account),
        seconds=_result_seconds(ep, task),
    )
    built = BUILDERS[str(ep.result)](ctx)
    backend.record_issued(ep, task.account, built, task.task_id, task.body)
    return built


def _result_seconds(ep: Endpoint, task: Task) -> float | None:
    """The manifest's ``parent_video: {"adds_seconds": n}``: the parent's length plus n (an
    extension: api-reference.md 3.7); else the builder reads the request."""
    if ep.parent_adds_seconds is None or task.parent_video is None:
        return None
    return float(task.parent_video["duration"]) + ep.parent_adds_seconds
