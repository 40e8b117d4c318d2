"""Tasks as Kling puts them on the wire, keys in the documented order."""

from __future__ import annotations

from typing import Any

from mock_server.tasks.model import Task


def task_info(task: Task) -> dict[str, Any]:
    info: dict[str, Any] = {}
    if task.parent_video is not None:
        info["parent_video"] = dict(task.parent_video)
    if task.external_task_id:
        info["external_task_id"] = task.external_task_id
    return info


def create_data(task: Task) -> dict[str, Any]:
    return {
        "task_id": task.task_id,
        "task_status": task.status,
        "task_info": task_info(task),
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }


def task_data(task: Task, *, watermark_supported: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "task_id": task.task_id,
        "task_status": task.status,
        "task_status_msg": task.status_msg,
        "task_info": task_info(task),
        "task_result": task.result if task.status == "succeed" else {},
    }
    if watermark_supported:
        enabled = (task.body.get("watermark_info") or {}).get("enabled") is True
        data["watermark_info"] = {"enabled": enabled}
    data["final_unit_deduction"] = task.units if task.status == "succeed" else "0"
    data["created_at"] = task.created_at
    data["updated_at"] = task.updated_at
    return data
