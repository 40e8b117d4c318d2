"""Tasks of any account: list, read, and steer one (finish, fail, hold, a timeline);
per-family timings (default, override, unset)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.control.base import PREFIX, ControlError, backend, field, json_body, reply
from mock_server.results import render
from mock_server.tasks.model import STATUSES, Status, Step, Task
from mock_server.tasks.timings import Timing

MAX_LIST = 1000


def describe(request: Request, task: Task) -> dict[str, Any]:
    ep = backend(request).registry.endpoints[task.endpoint]
    return {
        "task_id": task.task_id,
        "account": task.account,
        "endpoint": task.endpoint,
        "status": task.status,
        "polls": task.polls,
        "plan": [
            {
                "status": s.status,
                "at_ms": s.at_ms,
                "after_polls": s.after_polls,
                "message": s.message,
            }
            for s in task.plan
        ],
        "task": render.task_data(task, watermark_supported=ep.watermark),
    }


def _task(request: Request) -> Task:
    b = backend(request)
    b.lifecycle.tick()
    task = b.store.by_id(request.path_params["task_id"])
    if task is None:
        raise ControlError(404, f"no task {request.path_params['task_id']}")
    return task


async def list_tasks(request: Request) -> Response:
    """``?account=&endpoint=&status=&limit=``: newest first, across accounts."""
    b = backend(request)
    b.lifecycle.tick()
    q = request.query_params
    try:
        limit = min(int(q.get("limit", "100")), MAX_LIST)
    except ValueError:
        raise ControlError(400, "limit: must be an integer") from None
    found = [
        t
        for t in reversed(b.store.tasks(q.get("account")))
        if q.get("endpoint") in (None, t.endpoint) and q.get("status") in (None, t.status)
    ]
    return reply({"tasks": [describe(request, t) for t in found[: max(limit, 0)]]})


async def read(request: Request) -> Response:
    return reply(describe(request, _task(request)))


def _steer(request: Request, steps: list[Step]) -> Response:
    task = _task(request)
    try:
        done = backend(request).lifecycle.steer(task.task_id, steps)
    except ValueError as exc:
        raise ControlError(409, str(exc)) from None
    return reply(describe(request, done))


def _path_to(status: Status, current: Status) -> list[Status]:
    """The legal statuses between ``current`` and ``status`` (inclusive of ``status``)."""
    chain: list[Status] = ["processing", status] if status != "processing" else ["processing"]
    return chain if current == "submitted" else [s for s in chain if s != "processing"]


async def finish(request: Request) -> Response:
    """Succeed now (through processing if still submitted)."""
    task = _task(request)
    now = backend(request).clock.now_ms()
    return _steer(request, [Step(s, now) for s in _path_to("succeed", task.status)])


async def fail(request: Request) -> Response:
    """``{"message": "..."}``: fail now with that task_status_msg."""
    message = field(await json_body(request), "message", str, "Task failed")
    task = _task(request)
    now = backend(request).clock.now_ms()
    path = _path_to("failed", task.status)
    return _steer(request, [Step(s, now, message=message if s == "failed" else None) for s in path])


async def hold(request: Request) -> Response:
    """``{"status": "processing"}``: stay in that status until steered again."""
    status = field(await json_body(request), "status", str, "processing")
    if status not in ("submitted", "processing"):
        raise ControlError(400, "status: a task can be held in submitted or processing only")
    task = _task(request)
    now = backend(request).clock.now_ms()
    if status == "submitted":
        if task.status != "submitted":
            raise ControlError(409, f"task {task.task_id} is already {task.status}")
        return _steer(request, [Step("processing"), Step("succeed")])
    steps = [Step("processing", now)] if task.status == "submitted" else []
    return _steer(request, [*steps, Step("succeed")])


async def timeline(request: Request) -> Response:
    """``{"steps": [{"status": "processing", "after_polls": 2},
    {"status": "failed", "in_seconds": 5, "message": "..."}]}``: each step happens
    ``in_seconds`` from now, or once the task has been queried ``after_polls`` times in its
    current status, whichever is first; a step with neither is held."""
    raw = field(await json_body(request), "steps", list)
    now = backend(request).clock.now_ms()
    steps = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ControlError(400, f"steps[{i}]: must be an object")
        status = field(item, "status", str)
        if status not in STATUSES[1:]:
            raise ControlError(400, f"steps[{i}].status: must be processing, succeed or failed")
        seconds = field(item, "in_seconds", (int, float), None)
        polls = field(item, "after_polls", int, None)
        if (seconds is not None and seconds < 0) or (polls is not None and polls < 1):
            raise ControlError(400, f"steps[{i}]: in_seconds >= 0 and after_polls >= 1")
        at = None if seconds is None else now + round(seconds * 1000)
        steps.append(Step(status, at, polls, field(item, "message", str, None)))
    return _steer(request, steps)


async def timings(request: Request) -> Response:
    """Every family's timings and whether each is the default or an override."""
    return reply(backend(request).lifecycle.timings.describe())


async def set_timing(request: Request) -> Response:
    """``PUT {"queued_s": 0, "running_s": 1}`` overrides a family; ``DELETE`` unsets it."""
    b = backend(request)
    family = request.path_params["family"]
    try:
        if request.method == "DELETE":
            b.lifecycle.timings.unset(family)
        else:
            body = await json_body(request)
            b.lifecycle.timings.set(
                family,
                Timing(
                    field(body, "queued_s", (int, float)), field(body, "running_s", (int, float))
                ),
            )
    except KeyError as exc:
        raise ControlError(404, str(exc.args[0])) from None
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None
    return reply(b.lifecycle.timings.describe())


ROUTES = [
    Route(f"{PREFIX}/tasks", list_tasks, methods=["GET"]),
    Route(f"{PREFIX}/tasks/{{task_id}}", read, methods=["GET"]),
    Route(f"{PREFIX}/tasks/{{task_id}}/finish", finish, methods=["POST"]),
    Route(f"{PREFIX}/tasks/{{task_id}}/fail", fail, methods=["POST"]),
    Route(f"{PREFIX}/tasks/{{task_id}}/hold", hold, methods=["POST"]),
    Route(f"{PREFIX}/tasks/{{task_id}}/timeline", timeline, methods=["POST"]),
    Route(f"{PREFIX}/timings", timings, methods=["GET"]),
    Route(f"{PREFIX}/timings/{{family}}", set_timing, methods=["PUT", "DELETE"]),
]
