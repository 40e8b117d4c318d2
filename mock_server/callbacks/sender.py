"""Deliver callbacks: in order per task, with retries on the simulated clock, never blocking.

The API's requests only ``submit()`` (no await, no network). Each task with something to send
gets one worker that sends its deliveries one after another, so a later status never overtakes
an earlier one; different tasks run independently, at most ``concurrency`` POSTs in flight
overall (``attempt.py``). Retry delays are slept on the fake's clock (``ClockWaiter``): on a
manual clock a retry happens only when the clock is moved. Each attempt has a real-time
timeout, so a dead or hanging receiver holds up its own task only.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import httpx

from mock_server.callbacks.attempt import Attempts, Delivery, decode
from mock_server.callbacks.journal import CallbackJournal
from mock_server.callbacks.policy import NO_EFFECT, CallbackEffect, CallbackPolicy
from mock_server.callbacks.signing import Signer
from mock_server.tasks.clock import SimClock
from mock_server.tasks.model import TERMINAL
from mock_server.tasks.waiting import ClockWaiter
from mock_server.version import package_version

log = logging.getLogger("mock_server.callbacks")


@dataclass
class _Lane:
    """One task's deliveries, sent strictly one after another."""

    queue: deque[Delivery] = field(default_factory=deque)
    held: list[Delivery] = field(default_factory=list)  # reordered: wait for the next one
    worker: asyncio.Task[None] | None = None
    waiting_until: int | None = None  # simulated ms the worker sleeps until; None: busy


class CallbackSender:
    def __init__(
        self,
        policy: CallbackPolicy,
        clock: SimClock,
        waiter: ClockWaiter,
        journal: CallbackJournal,
        jitter_rng: random.Random,
        webhook_ids: Callable[[], str],
        secret: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy
        self.journal = journal
        self._clock = clock
        self._waiter = waiter
        self._rng = jitter_rng
        self._webhook_ids = webhook_ids
        self._signer = None if secret is None else Signer.from_secret(secret)  # ValueError
        self._transport = transport
        self._lanes: dict[str, _Lane] = {}
        self._client: httpx.AsyncClient | None = None
        self._attempts: Attempts | None = None
        self._changed = asyncio.Event()

    @property
    def signed(self) -> bool:
        return self._signer is not None

    def wants(self, status: str) -> bool:
        """Whether ``status`` is called back at all (render the body only if so)."""
        return status in self.policy.statuses

    def submit(
        self,
        task_id: str,
        url: str,
        status: str,
        body: bytes,
        effect: CallbackEffect | None = None,
    ) -> bool:
        """Queue one status change (event loop thread; never awaits). False if the policy
        does not call ``status`` back. Before ``start()`` deliveries wait in their queues."""
        if not self.wants(status):
            return False
        effect = effect or NO_EFFECT
        delivery = Delivery(
            task_id=task_id,
            url=url,
            status=status,
            body=body,
            payload=decode(body),
            webhook_id=self._webhook_ids(),
            jitter=self.policy.jitter_factors(self._rng),
            effect=effect,
        )
        lane = self._lanes.setdefault(task_id, _Lane())
        if effect.reorder and status not in TERMINAL:
            lane.held.append(delivery)
            return True
        for queued in (delivery, *lane.held):
            lane.queue.append(queued)
            if queued.effect.duplicate:
                lane.queue.append(replace(queued, effect=NO_EFFECT))
        lane.held.clear()
        self._wake(task_id, lane)
        return True

    async def start(self) -> None:
        if self._client is not None:
            return
        self._client = httpx.AsyncClient(
            transport=self._transport,
            timeout=self.policy.timeout_s,
            limits=httpx.Limits(max_connections=self.policy.concurrency),
            headers={"user-agent": f"kling-mock/{package_version()}"},
            follow_redirects=False,
            trust_env=False,  # an offline fake calls local receivers, never through a proxy
        )
        self._attempts = Attempts(
            self.policy, self._clock, self.journal, self._client, self._signer
        )
        self._changed = asyncio.Event()  # bound to this start's event loop
        for task_id, lane in list(self._lanes.items()):
            self._wake(task_id, lane)

    async def stop(self) -> None:
        """Cancel every delivery (queued, held, sleeping or in flight); close the client."""
        workers = [lane.worker for lane in self._lanes.values() if lane.worker is not None]
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._lanes.clear()
        client, self._client, self._attempts = self._client, None, None
        if client is not None:
            await client.aclose()
        self._changed.set()

    async def idle(self) -> None:
        """Return once nothing is in flight or due now: every task's queue is empty, waiting
        for a later moment on the clock, or held back. Tests await this instead of sleeping."""
        while self._client is not None and not self._is_idle():
            self._changed.clear()
            await self._changed.wait()

    def next_due_ms(self) -> int | None:
        """The earliest simulated moment a delivery waits for (a retry or a delay); None if
        nothing waits on the clock. Moving a manual clock there sends the next attempt."""
        waits = [lane.waiting_until for lane in self._lanes.values()]
        return min((at for at in waits if at is not None), default=None)

    def _is_idle(self) -> bool:
        now = self._clock.now_ms()
        return all(
            (lane.worker is None and not lane.queue)
            or (lane.waiting_until is not None and lane.waiting_until > now)
            for lane in self._lanes.values()
        )

    def _wake(self, task_id: str, lane: _Lane) -> None:
        if self._client is not None and lane.worker is None and lane.queue:
            lane.worker = asyncio.get_running_loop().create_task(self._run(task_id, lane))
        self._changed.set()

    async def _run(self, task_id: str, lane: _Lane) -> None:
        try:
            while lane.queue:
                delivery = lane.queue.popleft()
                try:
                    await self._deliver(lane, delivery)
                except Exception:  # a bug here must not strand the task's later deliveries
                    log.exception("callback for task %s failed unexpectedly", task_id)
        finally:
            lane.worker = None
            lane.waiting_until = None
            if not lane.queue and not lane.held and self._lanes.get(task_id) is lane:
                del self._lanes[task_id]
            self._changed.set()

    async def _deliver(self, lane: _Lane, delivery: Delivery) -> None:
        assert self._attempts is not None  # workers only run between start() and stop()
        if delivery.effect.drop:
            self._attempts.drop(delivery)
            return
        if delivery.effect.delay_s > 0:
            await self._sleep(lane, delivery.effect.delay_s)
        for attempt in range(1, self.policy.attempts + 1):
            if await self._attempts.send(delivery, attempt):
                return
            if attempt < self.policy.attempts:
                factor = delivery.jitter[attempt - 1]
                await self._sleep(lane, self.policy.delay_s(attempt, factor))

    async def _sleep(self, lane: _Lane, seconds: float) -> None:
        target = self._clock.now_ms() + round(seconds * 1000)
        lane.waiting_until = target
        self._changed.set()
        try:
            await self._waiter.sleep_until(target)
        finally:
            lane.waiting_until = None
