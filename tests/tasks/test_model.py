"""``Task.replace`` (the lifecycle's every step) gives what ``dataclasses.replace`` gives."""

from __future__ import annotations

import dataclasses

import pytest

from mock_server.tasks.model import Step, Task

TASK = Task(
    task_id="1",
    account="a",
    endpoint="text2video",
    created_at=5,
    body={"prompt": "x"},
    base_url="http://x",
    plan=(Step("processing", at_ms=9),),
)
CHANGES = {
    "status": "succeed",
    "status_msg": "done",
    "updated_at": 9,
    "plan": (),
    "plan_version": 2,
    "polls": 3,
    "result": {"videos": []},
    "units": "1.5",
    "parent_video": {"id": "v"},
    "external_task_id": "e",
}


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_replace_matches_dataclasses_replace(field: str) -> None:
    changed = TASK.replace(**{field: CHANGES[field]})
    assert changed == dataclasses.replace(TASK, **{field: CHANGES[field]})
    assert getattr(changed, field) == CHANGES[field]
    assert TASK.status == "submitted" and TASK.polls == 0  # the original is untouched


def test_replace_refuses_unknown_fields_and_keeps_tasks_frozen() -> None:
    with pytest.raises(TypeError, match="nope"):
        TASK.replace(nope=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        TASK.replace(polls=1).polls = 2  # type: ignore[misc]
