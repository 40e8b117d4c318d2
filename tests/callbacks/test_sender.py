"""Delivery: bodies, headers and order at a receiver; retries on the manual clock; a dead or
hanging receiver holding up only its own task; the concurrency bound; seeded determinism."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import socket
from typing import Any

import pytest

from mock_server.callbacks.journal import AttemptRow, CallbackJournal
from mock_server.callbacks.payload import CONTENT_TYPE
from mock_server.callbacks.policy import CallbackPolicy
from mock_server.callbacks.sender import CallbackSender
from mock_server.tasks.clock import ManualClock
from mock_server.tasks.waiting import ClockWaiter
from tests.callbacks.conftest import HOOK, SECRET, MakeSender
from tests.callbacks.helpers import Receiver, task_body, verify, webhook_ids
from tests.conftest import FIXED_START_MS

pytestmark = pytest.mark.anyio
LIFECYCLE = ("submitted", "processing", "succeed")


def submit(sender: CallbackSender, task_id: str, status: str, **extra: Any) -> bool:
    return sender.submit(task_id, f"{HOOK}/{task_id}", status, task_body(task_id, status, **extra))


def outcomes(journal: CallbackJournal, task_id: str) -> list[tuple[str, int, str]]:
    return [(r["task_status"], r["attempt"], r["outcome"]) for r in journal.rows(task_id=task_id)]


async def test_bodies_arrive_in_order_with_content_type_and_valid_signatures(
    make_sender: MakeSender, receiver: Receiver, clock: ManualClock
) -> None:
    sender = await make_sender(secret=SECRET)
    for status in LIFECYCLE:
        assert submit(sender, "t1", status, note="猫")
    await sender.idle()
    assert receiver.statuses("/t1") == list(LIFECYCLE)
    assert [r.content for r in receiver.requests] == [
        task_body("t1", s, note="猫") for s in LIFECYCLE
    ]
    now_s = clock.now_ms() // 1000
    for request in receiver.requests:
        assert request.method == "POST"
        assert request.headers["content-type"] == CONTENT_TYPE
        assert verify(SECRET, request.headers, request.content, now_s)
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(set(ids)) == 3 and all(i.isdigit() for i in ids)


async def test_unsigned_deliveries_carry_no_webhook_headers(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal
) -> None:
    sender = await make_sender()
    submit(sender, "t1", "submitted")
    await sender.idle()
    assert not any(name.startswith("webhook-") for name in receiver.requests[0].headers)
    assert journal.rows()[0]["headers"] is None


async def test_statuses_outside_the_policy_are_not_called_back(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal
) -> None:
    sender = await make_sender(statuses={"succeed", "failed"})
    assert not sender.wants("submitted")
    assert [submit(sender, "t1", s) for s in LIFECYCLE] == [False, False, True]
    await sender.idle()
    assert receiver.statuses("/t1") == ["succeed"] and len(journal) == 1


async def test_journal_row_records_the_whole_attempt(
    make_sender: MakeSender, journal: CallbackJournal
) -> None:
    sender = await make_sender(secret=SECRET)
    submit(sender, "t1", "submitted")
    await sender.idle()
    (row,) = journal.rows()
    assert row["task_id"] == "t1" and row["url"] == f"{HOOK}/t1"
    assert (row["task_status"], row["attempt"], row["outcome"]) == ("submitted", 1, "delivered")
    assert (row["http_status"], row["error"], row["at_ms"]) == (200, None, FIXED_START_MS)
    assert row["payload"] == json.loads(task_body("t1", "submitted"))
    assert row["headers"] is not None and row["headers"]["webhook-id"] == row["webhook_id"]
    assert row["latency_ms"] >= 0


async def test_retries_after_500s_with_the_same_webhook_id_and_fresh_signatures(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal, clock: ManualClock
) -> None:
    receiver.script["/t1"] = [500, 503, 200]
    sender = await make_sender(secret=SECRET, jitter=0)
    submit(sender, "t1", "succeed")
    for _ in range(3):
        await sender.idle()
        clock.advance(10)
    rows = journal.rows()
    assert [(r["attempt"], r["outcome"], r["http_status"]) for r in rows] == [
        (1, "retrying", 500),
        (2, "retrying", 503),
        (3, "delivered", 200),
    ]
    assert len({r["webhook_id"] for r in rows}) == 1
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    stamps = [r.headers["webhook-timestamp"] for r in receiver.requests]
    signatures = [r.headers["webhook-signature"] for r in receiver.requests]
    assert len(set(stamps)) == 3 and len(set(signatures)) == 3
    assert all(
        verify(SECRET, r.headers, r.content, int(r.headers["webhook-timestamp"]))
        for r in receiver.requests
    )


async def test_gives_up_after_the_last_attempt_then_sends_the_next_status(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal, clock: ManualClock
) -> None:
    receiver.script["/t1"] = [500, 500, 500, 200]
    sender = await make_sender(attempts=3)
    submit(sender, "t1", "processing")
    submit(sender, "t1", "succeed")
    for _ in range(3):
        await sender.idle()
        clock.advance(60)
    assert outcomes(journal, "t1") == [
        ("processing", 1, "retrying"),
        ("processing", 2, "retrying"),
        ("processing", 3, "gave_up"),
        ("succeed", 1, "delivered"),
    ]
    assert receiver.statuses("/t1") == ["processing"] * 3 + ["succeed"]


async def test_retries_after_a_dead_port_then_gives_up(
    make_sender: MakeSender, journal: CallbackJournal, clock: ManualClock
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = await make_sender(real_network=True, attempts=2, timeout_s=5)
    sender.submit("t1", f"http://127.0.0.1:{port}/hook", "submitted", task_body("t1", "submitted"))
    await sender.idle()
    clock.advance(5)
    await sender.idle()
    rows = journal.rows()
    assert [(r["attempt"], r["outcome"], r["http_status"]) for r in rows] == [
        (1, "retrying", None),
        (2, "gave_up", None),
    ]
    assert all(r["error"] and r["error"].startswith("connection refused") for r in rows)


@pytest.mark.parametrize("jitter", [0.0, 0.5])
async def test_each_retry_waits_exactly_its_backoff_on_the_clock(
    make_sender: MakeSender,
    receiver: Receiver,
    journal: CallbackJournal,
    clock: ManualClock,
    jitter: float,
) -> None:
    receiver.script["/t1"] = [500]
    sender = await make_sender(
        seed=11, attempts=5, base_delay_s=1.0, max_delay_s=5.0, jitter=jitter
    )
    replay = random.Random("jitter:11")  # the stream the fixture gave the sender
    factors = [1 + replay.uniform(-jitter, jitter) for _ in range(4)]
    delays_ms = [round(min(5.0, 2 ** (n - 1)) * f * 1000) for n, f in enumerate(factors, 1)]
    submit(sender, "t1", "failed")
    await sender.idle()
    for attempt, delay_ms in enumerate(delays_ms, start=2):
        assert len(journal) == attempt - 1
        clock.advance((delay_ms - 1) / 1000)
        await sender.idle()
        assert len(journal) == attempt - 1, "retried before its backoff had passed"
        clock.advance(0.001)
        await sender.idle()
        assert len(journal) == attempt
    at = [r["at_ms"] for r in journal.rows()]
    assert [b - a for a, b in itertools.pairwise(at)] == delays_ms
    assert journal.rows()[-1]["outcome"] == "gave_up"


async def test_one_tasks_failing_receiver_does_not_hold_up_another_task(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal, clock: ManualClock
) -> None:
    receiver.script["/bad"] = [500, 500, 200]
    sender = await make_sender()
    for status in LIFECYCLE:
        submit(sender, "bad", status)
        submit(sender, "good", status)
    await sender.idle()
    assert receiver.statuses("/good") == list(LIFECYCLE)
    assert receiver.statuses("/bad") == ["submitted"]  # its later statuses wait their turn
    for _ in range(2):
        clock.advance(60)
        await sender.idle()
    assert receiver.statuses("/bad") == ["submitted"] * 3 + ["processing", "succeed"]
    assert [r[2] for r in outcomes(journal, "bad")] == ["retrying", "retrying"] + ["delivered"] * 3


async def test_a_hanging_receiver_does_not_delay_another_tasks_delivery(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal
) -> None:
    receiver.hang.add("/slow")
    sender = await make_sender(timeout_s=0.5)
    submit(sender, "slow", "submitted")
    submit(sender, "fast", "submitted")
    await sender.idle()
    rows = journal.rows()
    assert [(r["task_id"], r["outcome"]) for r in rows] == [
        ("fast", "delivered"),
        ("slow", "retrying"),
    ]
    assert rows[1]["error"] == "timeout after 0.5 s"


async def test_no_more_than_concurrency_posts_are_in_flight(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal
) -> None:
    receiver.gate = asyncio.Event()
    full = asyncio.Event()
    receiver.on_request = lambda r: full.set() if r.in_flight == 3 else None
    sender = await make_sender(concurrency=3)
    for n in range(10):
        submit(sender, f"t{n}", "submitted")
    await asyncio.wait_for(full.wait(), timeout=10)
    for _ in range(20):
        await asyncio.sleep(0)
    assert receiver.in_flight == 3
    receiver.gate.set()
    await sender.idle()
    assert receiver.most_in_flight == 3
    assert len(journal.rows(outcome="delivered")) == 10


async def test_a_receiver_that_raises_is_journaled_and_retried(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal, clock: ManualClock
) -> None:
    receiver.script["/t1"] = [RuntimeError("receiver bug"), 204]
    sender = await make_sender()
    submit(sender, "t1", "submitted")
    await sender.idle()
    clock.advance(2)
    await sender.idle()
    rows = journal.rows()
    assert [(r["outcome"], r["http_status"]) for r in rows] == [
        ("retrying", None),
        ("delivered", 204),
    ]
    assert rows[0]["error"] == "error: receiver bug"


async def test_deliveries_submitted_before_start_go_out_once_started(
    make_sender: MakeSender, receiver: Receiver
) -> None:
    sender = await make_sender(start=False)
    await sender.idle()  # not started: nothing can be in flight
    submit(sender, "t1", "submitted")
    assert receiver.requests == []
    await sender.start()
    await sender.idle()
    assert receiver.statuses("/t1") == ["submitted"]


async def test_stop_cancels_sleeping_and_in_flight_deliveries(
    make_sender: MakeSender, receiver: Receiver, journal: CallbackJournal
) -> None:
    receiver.script["/sleepy"] = [500]
    receiver.hang.add("/stuck")
    arrived = asyncio.Event()
    receiver.on_request = lambda r: arrived.set() if len(r.requests) == 2 else None
    sender = await make_sender()
    submit(sender, "sleepy", "submitted")
    submit(sender, "stuck", "submitted")
    await asyncio.wait_for(arrived.wait(), timeout=10)
    await sender.stop()
    await sender.idle()
    assert outcomes(journal, "sleepy") == [("submitted", 1, "retrying")]
    assert outcomes(journal, "stuck") == []


async def test_same_seed_and_sequence_give_identical_journals(receiver: Receiver) -> None:
    async def run(seed: int) -> list[dict[str, Any]]:
        clock = ManualClock(start_ms=FIXED_START_MS)
        journal = CallbackJournal()
        receiver.script.update({"/a": [500, 500, 200], "/b": [503, 200]})
        sender = CallbackSender(
            policy=CallbackPolicy(),
            clock=clock,
            waiter=ClockWaiter(clock),
            journal=journal,
            jitter_rng=random.Random(seed),
            webhook_ids=webhook_ids(seed),
            secret=SECRET,
            transport=receiver.transport(),
        )
        await sender.start()
        for status in LIFECYCLE:
            sender.submit("a", f"{HOOK}/a", status, task_body("a", status))
            sender.submit("b", f"{HOOK}/b", status, task_body("b", status))
        await sender.idle()
        while (due := sender.next_due_ms()) is not None:
            clock.set_ms(due)
            await sender.idle()
        await sender.stop()
        return [{k: v for k, v in r.items() if k != "latency_ms"} for r in journal.rows()]

    first, again, other = await run(1), await run(1), await run(2)
    assert first == again
    assert len(first) == 9
    assert [r["webhook_id"] for r in first] != [r["webhook_id"] for r in other]
    assert [r["at_ms"] for r in first] != [r["at_ms"] for r in other]  # different jitter


class FlakyJournal(CallbackJournal):
    """Fails the first write: stands in for a bug inside one delivery."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = True

    def record(self, row: AttemptRow) -> None:
        if self.broken:
            self.broken = False
            raise RuntimeError("disk full")
        super().record(row)


async def test_a_bug_in_one_delivery_does_not_strand_the_tasks_later_ones(
    clock: ManualClock, waiter: ClockWaiter, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    journal = FlakyJournal()
    sender = CallbackSender(
        CallbackPolicy(),
        clock,
        waiter,
        journal,
        random.Random(1),
        webhook_ids(1),
        transport=receiver.transport(),
    )
    await sender.start()
    submit(sender, "t1", "submitted")
    submit(sender, "t1", "processing")
    await sender.idle()
    await sender.stop()
    assert receiver.statuses("/t1") == ["submitted", "processing"]
    assert outcomes(journal, "t1") == [("processing", 1, "delivered")]
    assert "failed unexpectedly" in caplog.text


def test_a_malformed_secret_is_refused_when_the_sender_is_built(
    clock: ManualClock, waiter: ClockWaiter
) -> None:
    with pytest.raises(ValueError, match="whsec_"):
        CallbackSender(
            CallbackPolicy(),
            clock,
            waiter,
            CallbackJournal(),
            random.Random(1),
            webhook_ids(1),
            secret="not-a-secret",
        )


async def test_secret_never_reaches_the_log(
    make_sender: MakeSender,
    receiver: Receiver,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG", logger="mock_server.callbacks")
    receiver.script["/t1"] = [500, 200]
    sender = await make_sender(secret=SECRET)
    assert sender.signed
    await sender.start()  # a second start is a no-op
    submit(sender, "t1", "submitted")
    await sender.idle()
    clock.advance(2)
    await sender.idle()
    assert "retrying" in caplog.text and "delivered" in caplog.text
    assert SECRET.removeprefix("whsec_") not in caplog.text
    assert "testsecret" not in caplog.text
