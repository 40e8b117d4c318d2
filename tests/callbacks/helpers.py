"""A callback receiver and a signature verifier written from the docs, not from our code.

``verify`` follows api-reference.md 2.3 (Standard Webhooks) on its own: headers read
case-insensitively, key = base64 after ``whsec_``, constant-time compare, ±5 minutes, and a
signature header that may hold several space-separated entries, any of which may match.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import random
from collections.abc import Callable, Mapping
from typing import Any

import httpx

TOLERANCE_S = 5 * 60


def verify(secret: str, headers: Mapping[str, str], body: bytes, now_s: int) -> bool:
    lower = {name.lower(): value for name, value in headers.items()}
    webhook_id = lower["webhook-id"]
    timestamp = lower["webhook-timestamp"]
    if abs(now_s - int(timestamp)) > TOLERANCE_S:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = webhook_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for entry in lower["webhook-signature"].split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return True
    return False


class Receiver:
    """An ``httpx.MockTransport`` handler: records every request and answers per URL path
    from a script of status codes (the last one repeats; 200 when unscripted). A path in
    ``hang`` never answers; ``gate`` (when given) holds every answer until it is set."""

    def __init__(self) -> None:
        self.script: dict[str, list[int | Exception]] = {}
        self.hang: set[str] = set()
        self.gate: asyncio.Event | None = None
        self.requests: list[httpx.Request] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.on_request: Callable[[Receiver], None] = lambda _: None

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        self.on_request(self)
        try:
            if request.url.path in self.hang:
                await asyncio.Event().wait()
            if self.gate is not None:
                await self.gate.wait()
            answers = self.script.get(request.url.path, [200])
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
            if isinstance(answer, Exception):
                raise answer
            return httpx.Response(answer)
        finally:
            self.in_flight -= 1

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def bodies(self, path: str | None = None) -> list[Any]:
        return [json.loads(r.content) for r in self.requests if path in (None, r.url.path)]

    def statuses(self, path: str) -> list[str]:
        return [body["task_status"] for body in self.bodies(path)]


def webhook_ids(seed: int) -> Callable[[], str]:
    """Kling-like numeric webhook ids (e.g. ``8674665223082153551``) from a seeded stream."""
    rng = random.Random(f"webhook-ids:{seed}")
    return lambda: str(rng.randrange(10**18, 10**19))


def task_body(task_id: str, status: str, **extra: Any) -> bytes:
    data = {"task_id": task_id, "task_status": status, "task_status_msg": "", **extra}
    return json.dumps(data, separators=(",", ":")).encode()
