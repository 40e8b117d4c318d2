"""Tasks as Kling puts them on the wire, keys in the documented order."""

from __future__ import annotations

from typing import Any

from mock_server.results.outputs import PACKAGE_TYPES, outputs
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


# -- the model-path design (new-design-api.md 4, 6) ------------------------------------------

STATUS_WORDS = {"succeed": "succeeded"}  # this design spells the one status differently (1.4)


def _status(task: Task) -> str:
    return STATUS_WORDS.get(task.status, task.status)


def model_path_create(task: Task) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": task.task_id,
        "status": _status(task),
        "create_time": task.created_at,
        "update_time": task.updated_at,
    }
    if task.external_task_id:  # "(if any)": omitted when none was given (4, the sheet's guess)
        data["external_id"] = task.external_task_id
    return data


def billing(task: Task, pool: str | None) -> list[dict[str, Any]]:
    """One ``unit`` entry from the pack the endpoint charges, once the task has succeeded
    (6.3; like ``final_unit_deduction``, nothing is charged before)."""
    if task.status != "succeed" or pool is None:
        return []
    package = PACKAGE_TYPES[pool]
    return [{"charge_type": "unit", "amount": task.units, "package_type": package}]


def model_path_task(
    task: Task, pool: str | None, *, materials_key: str = "references"
) -> dict[str, Any]:
    """The task object of ``/tasks`` (``materials_key="materials"`` in callbacks, 6.2)."""
    data: dict[str, Any] = {
        "id": task.task_id,
        "status": _status(task),
        "message": task.status_msg if task.status == "failed" else "",
        "create_time": task.created_at,
        "update_time": task.updated_at,
    }
    if task.external_task_id:
        data["external_id"] = task.external_task_id
    data["outputs"] = (
        outputs(task.result, group_id=task.task_id, materials_key=materials_key)
        if task.status == "succeed"
        else []
    )
    data["billing"] = billing(task, pool)
    return data
