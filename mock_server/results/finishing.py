"""What a task's success produces: its parent video (extensions, lip-sync: the video it works
on), then its result from the manifest's builder, with every file owned by the task (evicted
with it) and every id it issues recorded, with what made it, for later references."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.responders.media_tools import SESSION
from mock_server.results.builder import BUILDERS, BuildContext
from mock_server.spec.registry import Endpoint
from mock_server.tasks.model import Task

if TYPE_CHECKING:
    from mock_server.backend import Backend

PARENT_VIDEO_SECONDS = 5.1  # a source the fake did not make: as long as its own 5 s videos


def parent_video(backend: Backend, task: Task) -> dict[str, str]:
    body = task.body
    source = body.get("video_id") or body.get("session_id") or backend.ids.uuid()
    # A video the fake made has a recorded length (x-kling-issues), and so has a session
    # made on one (identify-face); else the default.
    made = (
        backend.store.get_record("video", task.account, str(source))
        or backend.store.get_record(SESSION, task.account, str(source))
        or {}
    )
    seconds = float(made.get("seconds") or PARENT_VIDEO_SECONDS)
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
