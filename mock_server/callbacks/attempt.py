"""One POST of one delivery, and its journal row, whatever happened.

Like Prism's callback runner, a bad reply (non-2xx, timeout, refused connection, a receiver
that raises) is journaled and reported as "not delivered" instead of failing anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx

from mock_server.callbacks.journal import AttemptRow, CallbackJournal, Outcome
from mock_server.callbacks.payload import CONTENT_TYPE
from mock_server.callbacks.policy import CallbackEffect, CallbackPolicy
from mock_server.callbacks.signing import Signer
from mock_server.tasks.clock import Clock

log = logging.getLogger("mock_server.callbacks")

FAILED_BY_RULE = "simulated network failure (fault rule)"
DROPPED_BY_RULE = "dropped by a fault rule"
# How a failed POST reads in the journal: the first class found anywhere in the exception's
# chain wins (httpx wraps the socket error that says what really happened).
ERROR_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (ConnectionRefusedError, "connection refused"),
    (ConnectionResetError, "connection reset"),
    (socket.gaierror, "name resolution failed"),
    (httpx.ConnectError, "connection failed"),
    (httpx.TimeoutException, "timeout"),
    (httpx.RemoteProtocolError, "protocol error"),
    (httpx.TransportError, "network error"),
)
LOG_LEVELS: dict[Outcome, int] = {
    "delivered": logging.DEBUG,
    "retrying": logging.INFO,
    "gave_up": logging.WARNING,
    "dropped": logging.INFO,
}


@dataclass(frozen=True)
class Delivery:
    """One status change of one task, as queued."""

    task_id: str
    url: str
    status: str
    body: bytes
    payload: Any  # the body decoded, for the journal
    webhook_id: str  # drawn once: every attempt and copy carries the same idempotency key
    jitter: tuple[float, ...]  # one backoff factor per retry, drawn when queued
    effect: CallbackEffect


class Attempts:
    """Sends single attempts through one shared client, at most ``concurrency`` at a time."""

    def __init__(
        self,
        policy: CallbackPolicy,
        clock: Clock,
        journal: CallbackJournal,
        client: httpx.AsyncClient,
        signer: Signer | None,
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._journal = journal
        self._client = client
        self._signer = signer
        self._slots = asyncio.Semaphore(policy.concurrency)

    async def send(self, delivery: Delivery, attempt: int) -> bool:
        """Send once and journal what happened; True when the receiver answered 2xx."""
        if attempt == 1 and delivery.effect.fail:
            at_ms = self._clock.now_ms()
            headers = self._signature(delivery, at_ms)
            return self._record(delivery, attempt, at_ms, headers, None, FAILED_BY_RULE, 0)
        async with self._slots:
            at_ms = self._clock.now_ms()
            headers = self._signature(delivery, at_ms)
            started = time.monotonic()
            status, error = await self._post(delivery, headers)
            latency_ms = round((time.monotonic() - started) * 1000)
        return self._record(delivery, attempt, at_ms, headers, status, error, latency_ms)

    def drop(self, delivery: Delivery) -> None:
        """Journal a delivery a fault rule swallowed (as its attempt 1; nothing is sent)."""
        self._record(delivery, 1, self._clock.now_ms(), None, None, DROPPED_BY_RULE, 0)

    def _signature(self, delivery: Delivery, at_ms: int) -> dict[str, str] | None:
        """Fresh ``webhook-timestamp`` and signature on every attempt, same ``webhook-id``."""
        if self._signer is None:
            return None
        return self._signer.headers(delivery.webhook_id, at_ms // 1000, delivery.body)

    async def _post(
        self, delivery: Delivery, signature: dict[str, str] | None
    ) -> tuple[int | None, str | None]:
        headers = {"content-type": CONTENT_TYPE, **(signature or {})}
        try:
            # httpx times connect/read/write separately; this bounds the whole attempt, and
            # also holds for transports that ignore httpx timeouts (MockTransport).
            async with asyncio.timeout(self._policy.timeout_s):
                response = await self._client.post(
                    delivery.url, content=delivery.body, headers=headers
                )
        except TimeoutError:
            return None, f"timeout after {self._policy.timeout_s:g} s"
        except Exception as exc:  # every outcome is journaled, whatever the receiver did
            return None, describe(exc)
        return response.status_code, None

    def _record(
        self,
        delivery: Delivery,
        attempt: int,
        at_ms: int,
        headers: dict[str, str] | None,
        http_status: int | None,
        error: str | None,
        latency_ms: int,
    ) -> bool:
        delivered = http_status is not None and 200 <= http_status < 300
        outcome: Outcome
        if error == DROPPED_BY_RULE:
            outcome = "dropped"
        elif delivered:
            outcome = "delivered"
        else:
            outcome = "retrying" if attempt < self._policy.attempts else "gave_up"
        self._journal.record(
            AttemptRow(
                task_id=delivery.task_id,
                url=delivery.url,
                task_status=delivery.status,
                webhook_id=delivery.webhook_id,
                attempt=attempt,
                at_ms=at_ms,
                outcome=outcome,
                http_status=http_status,
                error=error,
                payload=delivery.payload,
                headers=headers,
                latency_ms=latency_ms,
            )
        )
        log.log(
            LOG_LEVELS[outcome],
            "callback %s: task %s (%s) to %s, attempt %d: %s",
            outcome,
            delivery.task_id,
            delivery.status,
            loggable(delivery.url),
            attempt,
            error or http_status,
        )
        return delivered


def decode(body: bytes) -> Any:
    with contextlib.suppress(ValueError):
        return json.loads(body)
    return body.decode("utf-8", "replace")


def describe(exc: BaseException) -> str:
    """``<kind>: <the innermost message>``, e.g. ``connection refused: Connect call failed``."""
    chain = [exc]
    while (cause := chain[-1].__cause__ or chain[-1].__context__) is not None and len(chain) < 10:
        chain.append(cause)
    kind = next(
        (text for cls, text in ERROR_KINDS if any(isinstance(e, cls) for e in chain)), "error"
    )
    detail = next((str(e) for e in reversed(chain) if str(e)), type(exc).__name__)
    return f"{kind}: {detail}"


def loggable(url: str) -> str:
    """Scheme, host and path only: a callback URL's query or user part may hold a token."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparsable url>"
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"
