"""Callback bodies: the bare task object as the query endpoint renders it, compact UTF-8."""

from __future__ import annotations

import json
from functools import partial

from mock_server.callbacks.payload import CONTENT_TYPE, body_for_change, callback_body, encode
from mock_server.results.render import task_data
from mock_server.tasks.lifecycle import StatusChange
from mock_server.tasks.model import Task
from tests.conftest import FIXED_START_MS

render = partial(task_data, watermark_supported=True)


def make_task(**changes: object) -> Task:
    task = Task(
        task_id="866889456698785798",
        account="acct",
        endpoint="text2video",
        created_at=FIXED_START_MS,
        body={"prompt": "一只猫在弹钢琴", "watermark_info": {"enabled": True}},
        base_url="http://kling.test",
        external_task_id="my-job-1",
    )
    return task.replace(**changes) if changes else task


def test_body_is_the_rendered_task_without_an_envelope() -> None:
    task = make_task(status="processing", updated_at=FIXED_START_MS + 2000)
    body = callback_body(task, render)
    assert json.loads(body) == task_data(task, watermark_supported=True)
    assert "code" not in json.loads(body) and "data" not in json.loads(body)


def test_body_is_compact_utf8_without_ascii_escapes() -> None:
    body = encode({"task_status_msg": "内容审核未通过", "n": [1, 2]})
    assert body == '{"task_status_msg":"内容审核未通过","n":[1,2]}'.encode()
    assert CONTENT_TYPE == "application/json; charset=utf-8"


def test_body_for_change_renders_the_task_value_of_that_change() -> None:
    submitted = make_task()
    failed = make_task(status="failed", status_msg="risk control", updated_at=FIXED_START_MS + 9)
    first = json.loads(body_for_change(StatusChange(submitted, None, "submitted", 0), render))
    last = json.loads(body_for_change(StatusChange(failed, "processing", "failed", 9), render))
    assert (first["task_status"], first["task_status_msg"]) == ("submitted", "")
    assert (last["task_status"], last["task_status_msg"]) == ("failed", "risk control")
    assert last["task_info"] == {"external_task_id": "my-job-1"}
