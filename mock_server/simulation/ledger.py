"""What each account's packs paid, charge by charge (live-behaviour.md A.6, B.1, B.7).

A charge draws on the account's packs of its pool in the order they are listed, moving on when
one is used up, and leaves one row per pack it touched with the running balance before and
after: ``/account/costs`` and ``/account/billing/package`` read them. A pool without a pack is
paid from the account's cash balance (``cash``, USD: the accounts file's ``cash_balance``) at
list price (units x 0.14 USD on the video page, x 0.0035 on the image page, B.1) and shows in
``/account/billing/balance``; the cash side is a guess (B.7).
Amounts are decimals, so a run of 0.05 charges adds up to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mock_server.errors import KlingError

LIST_PRICE = {"video": Decimal("0.14"), "image": Decimal("0.0035"), "try-on": Decimal("0.0035")}


@dataclass(frozen=True)
class Charge:
    ref: str  # the task id (or the synchronous reply's id)
    endpoint: str
    pool: str
    body: Mapping[str, Any]
    result: Mapping[str, Any]  # the task_result (durations for the ledger)
    at_ms: int
    amount: Decimal  # units of the pack; USD for cash
    before: Decimal
    after: Decimal
    pack: int | None  # index into the account's packs; None: paid from cash
    list_price: Decimal = field(default=Decimal(0))  # USD


class Ledger:
    def __init__(self) -> None:
        self._used: dict[tuple[str, int], Decimal] = {}
        self._cash: dict[str, Decimal] = {}
        self._rows: dict[str, list[Charge]] = {}

    def rows(self, account: str) -> list[Charge]:
        return list(self._rows.get(account, []))

    def pack_left(self, account: str, index: int, pack: Mapping[str, Any]) -> float:
        left = _total(pack) - self._used.get((account, index), Decimal(0))
        return float(max(Decimal(0), left))

    def remaining(
        self, account: str, packs: Sequence[Mapping[str, Any]], pool: str
    ) -> float | None:
        """Units left in the pool's packs; None when the pool has none (cash pays)."""
        mine = [i for i, p in enumerate(packs) if p["pool"] == pool]
        if not mine:
            return None
        return sum((self.pack_left(account, i, packs[i]) for i in mine), 0.0)

    def cash_left(self, account: str, cash: Decimal) -> Decimal:
        """What is left of ``cash`` (the account's balance, USD) after its cash charges."""
        return cash - self._cash.get(account, Decimal(0))

    def check(
        self,
        account: str,
        packs: Sequence[Mapping[str, Any]],
        pool: str,
        units: str,
        cash: Decimal,
    ) -> None:
        """1102 unless the pool's packs (or, without packs, the cash balance) can pay."""
        left = self.remaining(account, packs, pool)
        if left is not None:
            if Decimal(units) > Decimal(str(left)):
                raise KlingError(1102)
        elif Decimal(units) * LIST_PRICE[pool] > self.cash_left(account, cash):
            raise KlingError(1102)

    def charge(
        self,
        account: str,
        packs: Sequence[Mapping[str, Any]],
        pool: str,
        units: str,
        cash: Decimal,
        **what: Any,  # ref, endpoint, body, result, at_ms
    ) -> None:
        due = Decimal(units)
        mine = [i for i, p in enumerate(packs) if p["pool"] == pool]
        rows = self._rows.setdefault(account, [])
        if not mine:
            price = due * LIST_PRICE[pool]
            before = self.cash_left(account, cash)
            self._cash[account] = self._cash.get(account, Decimal(0)) + price
            rows.append(
                Charge(
                    pool=pool,
                    amount=price,
                    before=before,
                    after=before - price,
                    pack=None,
                    list_price=price,
                    **what,
                )
            )
            return
        while True:
            open_ = [i for i in mine if Decimal(str(self.pack_left(account, i, packs[i]))) > 0]
            index = (open_ or mine)[0]
            before = _total(packs[index]) - self._used.get((account, index), Decimal(0))
            take = due if not open_ or len(open_) == 1 else min(due, before)
            self._used[(account, index)] = self._used.get((account, index), Decimal(0)) + take
            rows.append(
                Charge(
                    pool=pool,
                    amount=take,
                    before=before,
                    after=before - take,
                    pack=index,
                    list_price=take * LIST_PRICE[pool],
                    **what,
                )
            )
            due -= take
            if due <= 0:
                return


def _total(pack: Mapping[str, Any]) -> Decimal:
    return Decimal(str(pack.get("total_quantity", 1000.0)))
