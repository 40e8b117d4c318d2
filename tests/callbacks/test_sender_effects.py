"""Fault-rule effects on one delivery: drop, delay, duplicate, reorder, fail."""

from __future__ import annotations

import pytest

from mock_server.callbacks.attempt import DROPPED_BY_RULE, FAILED_BY_RULE
from mock_server.callbacks.journal import CallbackJournal
from mock_server.callbacks.policy import CallbackEffect
from mock_server.callbacks.sender import CallbackSender
from mock_server.tasks.clock import ManualClock
from tests.callbacks.conftest import HOOK, SECRET, MakeSender
from tests.callbacks.helpers import Receiver, task_body

pytestmark = pytest.mark.anyio


def submit(sender: CallbackSender, status: str, effect: CallbackEffect | None = None) -> None:
    sender.submit("t1", f"{HOOK}/t1", status, task_body("t1", status), effect)


async def test_drop_sends_nothing_and_journals_dropped(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal
) -> None:
    sender = await make_sender()
    submit(sender, "submitted", CallbackEffect(drop=True))
    submit(sender, "processing")
    await sender.idle()
    assert receiver.statuses("/t1") == ["processing"]
    dropped = journal.rows(outcome="dropped")
    assert [(r["task_status"], r["attempt"], r["error"]) for r in dropped] == [
        ("submitted", 1, DROPPED_BY_RULE)
    ]
    assert dropped[0]["http_status"] is None and dropped[0]["headers"] is None


async def test_delay_holds_the_first_attempt_and_the_later_statuses(
    make_sender: MakeSender, receiver: Receiver, clock: ManualClock
) -> None:
    sender = await make_sender()
    submit(sender, "submitted", CallbackEffect(delay_s=3))
    submit(sender, "processing")
    await sender.idle()
    clock.advance(2.999)
    await sender.idle()
    assert receiver.requests == []
    clock.advance(0.001)
    await sender.idle()
    assert receiver.statuses("/t1") == ["submitted", "processing"]


async def test_duplicate_sends_the_same_delivery_twice_with_one_webhook_id(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal
) -> None:
    sender = await make_sender(secret=SECRET)
    submit(sender, "succeed", CallbackEffect(duplicate=True))
    await sender.idle()
    first, second = receiver.requests
    assert first.content == second.content
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    rows = journal.rows()
    assert [(r["attempt"], r["outcome"]) for r in rows] == [(1, "delivered"), (1, "delivered")]
    assert rows[0]["webhook_id"] == rows[1]["webhook_id"]


@pytest.mark.parametrize(
    ("reordered", "received"),
    [
        ({"processing"}, ["submitted", "succeed", "processing"]),
        ({"submitted"}, ["processing", "submitted", "succeed"]),
        ({"submitted", "processing"}, ["succeed", "submitted", "processing"]),
    ],
)
async def test_reorder_sends_the_delivery_after_the_tasks_next_one(
    make_sender: MakeSender, receiver: Receiver, reordered: set[str], received: list[str]
) -> None:
    sender = await make_sender()
    for status in ("submitted", "processing", "succeed"):
        submit(sender, status, CallbackEffect(reorder=status in reordered))
        await sender.idle()
    assert receiver.statuses("/t1") == received


async def test_a_held_delivery_waits_for_the_next_status(
    make_sender: MakeSender, receiver: Receiver
) -> None:
    sender = await make_sender()
    submit(sender, "submitted")
    submit(sender, "processing", CallbackEffect(reorder=True, duplicate=True))
    await sender.idle()
    assert receiver.statuses("/t1") == ["submitted"]
    submit(sender, "succeed")
    await sender.idle()
    assert receiver.statuses("/t1") == ["submitted", "succeed", "processing", "processing"]


async def test_reorder_of_a_final_status_sends_it_at_once(
    make_sender: MakeSender, receiver: Receiver
) -> None:
    sender = await make_sender()
    submit(sender, "failed", CallbackEffect(reorder=True))
    await sender.idle()
    assert receiver.statuses("/t1") == ["failed"]


async def test_fail_records_a_failed_first_attempt_then_retries(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal, clock: ManualClock
) -> None:
    sender = await make_sender(secret=SECRET)
    submit(sender, "processing", CallbackEffect(fail=True))
    await sender.idle()
    assert receiver.requests == []
    clock.advance(2)
    await sender.idle()
    assert receiver.statuses("/t1") == ["processing"]
    rows = journal.rows()
    assert [(r["attempt"], r["outcome"], r["error"]) for r in rows] == [
        (1, "retrying", FAILED_BY_RULE),
        (2, "delivered", None),
    ]
    assert rows[0]["headers"] is not None  # signed as if it had been sent


async def test_fail_on_a_single_attempt_policy_gives_up(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal
) -> None:
    sender = await make_sender(attempts=1)
    submit(sender, "processing", CallbackEffect(fail=True))
    await sender.idle()
    assert receiver.requests == []
    assert [r["outcome"] for r in journal.rows()] == ["gave_up"]
