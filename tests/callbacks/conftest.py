"""A sender on a manual clock, talking to an in-test receiver; every sender is stopped."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from mock_server.callbacks.journal import CallbackJournal
from mock_server.callbacks.policy import CallbackPolicy
from mock_server.callbacks.sender import CallbackSender
from mock_server.tasks.clock import ManualClock
from mock_server.tasks.waiting import ClockWaiter
from tests.callbacks.helpers import Receiver, webhook_ids
from tests.conftest import FIXED_START_MS

SECRET = "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI="
HOOK = "http://hooks.test"

MakeSender = Callable[..., Awaitable[CallbackSender]]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start_ms=FIXED_START_MS)


@pytest.fixture
def waiter(clock: ManualClock) -> ClockWaiter:
    return ClockWaiter(clock)


@pytest.fixture
def journal() -> CallbackJournal:
    return CallbackJournal()


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
async def make_sender(
    clock: ManualClock, waiter: ClockWaiter, journal: CallbackJournal, receiver: Receiver
) -> AsyncIterator[MakeSender]:
    made: list[CallbackSender] = []

    async def make(
        *,
        seed: int = 7,
        secret: str | None = None,
        real_network: bool = False,
        start: bool = True,
        **policy: Any,
    ) -> CallbackSender:
        sender = CallbackSender(
            CallbackPolicy(**policy),
            clock,
            waiter,
            journal,
            random.Random(f"jitter:{seed}"),
            webhook_ids(seed),
            secret=secret,
            transport=None if real_network else receiver.transport(),
        )
        made.append(sender)
        if start:
            await sender.start()
        return sender

    yield make
    for sender in made:
        await sender.stop()
