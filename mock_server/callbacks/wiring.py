"""Where the lifecycle meets delivery: the sender built from the settings, and the listener
that turns a status change of a task with a ``callback_url`` into a delivery, with whatever a
fault rule decided for that task's callbacks (kept in the store, so it survives as state)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from typing import Any

import httpx

from mock_server.callbacks.journal import CallbackJournal
from mock_server.callbacks.payload import body_for_change
from mock_server.callbacks.policy import CallbackEffect
from mock_server.callbacks.sender import CallbackSender
from mock_server.settings import Settings
from mock_server.tasks.clock import SimClock
from mock_server.tasks.lifecycle import StatusChange
from mock_server.tasks.model import Task
from mock_server.tasks.store import TaskStore
from mock_server.tasks.waiting import ClockWaiter

CALLBACK_EFFECT = "callback-effect"  # store record kind: a fault rule's effect on a task


def make_sender(
    settings: Settings,
    clock: SimClock,
    waiter: ClockWaiter,
    *,
    seed: int,
    webhook_ids: Callable[[], str],
    transport: httpx.AsyncBaseTransport | None = None,
) -> CallbackSender:
    return CallbackSender(
        settings.callback_policy(),
        clock,
        waiter,
        CallbackJournal(settings.journal_size),
        jitter_rng=random.Random(f"kling-mock:callback-jitter:{seed}"),
        webhook_ids=webhook_ids,
        secret=settings.webhook_secret,
        transport=transport,
    )


def remember_effect(store: TaskStore, task: Task, effect: CallbackEffect) -> None:
    store.put_record(
        CALLBACK_EFFECT, task.account, task.task_id, dataclasses.asdict(effect), owner=task.task_id
    )


def listener(
    sender: CallbackSender, store: TaskStore, render: Callable[[Task], dict[str, Any]]
) -> Callable[[StatusChange], None]:
    """A lifecycle listener that submits one delivery per status change that is called back."""

    def call_back(change: StatusChange) -> None:
        task = change.task
        url = task.body.get("callback_url")
        if isinstance(url, str) and url and sender.wants(change.new):
            body = body_for_change(change, render)
            effect = store.get_record(CALLBACK_EFFECT, task.account, task.task_id)
            sender.submit(
                task.task_id, url, change.new, body, CallbackEffect(**effect) if effect else None
            )

    return call_back


async def replace_sender(old: CallbackSender, new: CallbackSender) -> None:
    """After a reset while served: the old sender's deliveries stop, the new one starts."""
    await old.stop()
    await new.start()
