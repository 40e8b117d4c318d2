"""Responders build ``data`` for synchronous calls, one function per shape, registered by name.

A manifest entry's ``responder`` names one; ``responses/<id>.json`` is the schema its output
must match (``tests/responders/`` checks every pair).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mock_server.accounts import Account
from mock_server.naming import registrar
from mock_server.results.urls import MediaUrls
from mock_server.spec.registry import Operation

if TYPE_CHECKING:
    from mock_server.backend import Backend


@dataclass(frozen=True)
class CallContext:
    backend: Backend
    account: Account
    operation: Operation
    body: dict[str, Any]  # validated, documented defaults filled in
    raw: dict[str, Any]  # as sent
    base_url: str

    @property
    def urls(self) -> MediaUrls:
        return self.backend.media_urls(self.base_url)

    @property
    def now(self) -> int:
        return self.backend.clock.now_ms()

    def units(self) -> str:
        return self.backend.price(self.operation.endpoint, self.account, self.body)


Responder = Callable[[CallContext], Any]
RESPONDERS: dict[str, Responder] = {}


responder = registrar(RESPONDERS, "responder")


def answer(ctx: CallContext) -> Any:
    """A sync, catalogue or account call, its input already checked: refused (1102) before
    its responder runs when its pool cannot pay, so a refusal leaves nothing behind (no
    session, no audio, no media); charged once it has answered (live-behaviour.md B.7); then
    the ids it issued are recorded, with what made them."""
    backend, ep, account = ctx.backend, ctx.operation.endpoint, ctx.account
    units = ctx.units()
    charged = float(units) > 0
    if charged:
        backend.limits.check_funds(account, ep, units)
    data = RESPONDERS[str(ep.responder)](ctx)
    if charged:
        backend.limits.charge_now(account, ep, units, body=ctx.body, reply=data, now_ms=ctx.now)
    backend.record_issued(ep, account.access_key, data, body=ctx.body)
    return data


def _load() -> None:
    # Import for the registration side effect; kept at the bottom to avoid import cycles.
    from mock_server.responders import (  # noqa: F401
        account,
        library,
        media_tools,
        multi_elements,
        tasks,
    )


_load()
