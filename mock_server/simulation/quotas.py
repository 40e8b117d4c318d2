"""Kling's limits (api-reference.md 1.5): concurrency per pool (1303), request rate (1302) and
resource packs (1102).

- A task holds its slots from ``submitted`` until it ends (``succeed`` or ``failed``) and
  releases them at once. Image generation takes ``n`` slots, omni-image series
  ``series_amount`` (the manifest's ``slots`` rule says which field). Scope: per account and
  pool (``--concurrency-scope model`` adds the model version, as the 2026-09 docs word it).
  The quota is the account's own setting, else the highest ``concurrency`` among its packs of
  that pool (Kling: a 5-slot and a 10-slot pack give 10), else ``--concurrency``. Over the
  quota a create gets HTTP 429, 1303 and creates and charges nothing.
- An optional request rate per account (a one-second window on the fake's clock): 429, 1302.
- Packs: tasks are charged their units when they succeed, synchronous calls when they answer
  (``charge_now``, after ``check_funds`` let them run); a create or call whose units exceed what
  is left in its pool's packs gets 429, 1102. Tasks still running are not reserved (how Kling
  reserves is undocumented). A pool without a pack is paid from the account's cash balance
  (``cash_balance``; ``simulation/ledger.py`` keeps the rows).

The counters follow the lifecycle (``on_change``), so nothing here scans the store.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from mock_server.accounts import DEFAULT_CASH_USD, Account
from mock_server.errors import KlingError
from mock_server.simulation.ledger import Ledger
from mock_server.spec.registry import Endpoint
from mock_server.tasks.lifecycle import StatusChange

POOLS = ("video", "image", "try-on")
DEFAULT_CONCURRENCY = "video=5,image=9,try-on=5"  # the trial packs: 5Con video, 9Con image
DEFAULT_PACKS: tuple[dict[str, Any], ...] = (
    {"resource_pack_name": "Video Generation Pack", "pool": "video", "total_quantity": 1000.0},
    {"resource_pack_name": "Image Generation Pack", "pool": "image", "total_quantity": 1000.0},
)
OVER_CONCURRENCY = "parallel task over resource pack limit"
Key = tuple[str, str, str]  # (account, pool, model or "*")


def parse_concurrency(text: str) -> dict[str, int] | None:
    """``video=5,image=9,try-on=5`` -> quotas; ``off`` -> None (no limit)."""
    if text.strip().lower() == "off":
        return None
    quotas: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        pool, _, number = part.partition("=")
        if pool not in POOLS or not number.strip().isdigit() or int(number) < 1:
            raise ValueError(
                f"concurrency {part!r}: expected pool=N with pool one of {', '.join(POOLS)} "
                "and N >= 1, or 'off'"
            )
        quotas[pool] = int(number)
    return quotas


def slots_of(endpoint: Endpoint, body: Mapping[str, Any]) -> int:
    """The slots a task takes: the manifest's ``slots`` (a number, a field name, or a list of
    ``{"when": {field: value}, "field": name, "auto": n}`` alternatives, first match wins)."""
    rules = endpoint.slots if isinstance(endpoint.slots, list) else [endpoint.slots]
    for rule in rules:
        if isinstance(rule, int):
            return rule
        if isinstance(rule, str):
            rule = {"field": rule}
        if all(body.get(k) == v for k, v in (rule.get("when") or {}).items()):
            value = body.get(rule["field"], rule.get("default", 1))
            if value == "auto":
                value = rule.get("auto", 1)
            try:
                return max(1, int(value))
            except (TypeError, ValueError):
                return 1
    return 1


class Limits:
    def __init__(
        self,
        accounts: list[Account],
        *,
        concurrency: str = DEFAULT_CONCURRENCY,
        scope: str = "pool",
        rate_limit: float | None = None,
        check_balance: bool = True,
    ) -> None:
        self._accounts = {a.access_key: a for a in accounts}
        self._check_balance = check_balance
        self._default_quotas = parse_concurrency(concurrency)
        self._scope = scope
        self._default_rate = rate_limit
        self._overrides: dict[str, dict[str, Any]] = {}
        self._in_use: Counter[Key] = Counter()
        self._held: dict[str, tuple[Key, int]] = {}
        self.ledger = Ledger()
        self._recent: dict[str, deque[int]] = {}

    # -- configuration ------------------------------------------------------------------------

    def quotas(self, account: str) -> dict[str, int] | None:
        override = self._overrides.get(account, {})
        if "concurrency" in override:
            return override["concurrency"]  # type: ignore[no-any-return]
        known = self._accounts.get(account)
        if known is not None and known.concurrency is not None:
            return dict(known.concurrency)
        if self._default_quotas is None:
            return None
        quotas = dict(self._default_quotas)
        packs = [p for p in (known.resource_packs if known else ()) if "concurrency" in p]
        for pool in {str(p["pool"]) for p in packs}:
            quotas[pool] = max(int(p["concurrency"]) for p in packs if p["pool"] == pool)
        return quotas

    def rate(self, account: str) -> float | None:
        override = self._overrides.get(account, {})
        if "rate_limit" in override:
            return override["rate_limit"]  # type: ignore[no-any-return]
        own = self._accounts[account].rate_limit if account in self._accounts else None
        return own if own is not None else self._default_rate

    def override(self, account: str, **values: Any) -> None:
        """Run-time limits for one account (the control API); ``unset`` drops them."""
        if account not in self._accounts:
            raise KeyError(f"unknown account {account!r}")
        self._overrides.setdefault(account, {}).update(values)

    def unset(self, account: str) -> None:
        self._overrides.pop(account, None)

    def packs(self, account: Account) -> list[dict[str, Any]]:
        return [dict(p) for p in (account.resource_packs or DEFAULT_PACKS)]

    def remaining(self, account: Account, pool: str) -> float | None:
        return self.ledger.remaining(account.access_key, self.packs(account), pool)

    @staticmethod
    def cash(account: Account | None) -> Decimal:
        """The account's cash balance in USD (the accounts file's ``cash_balance``)."""
        return Decimal(str(account.cash_balance if account else DEFAULT_CASH_USD))

    def cash_left(self, account: Account) -> float:
        return float(self.ledger.cash_left(account.access_key, self.cash(account)))

    def check_funds(self, account: Account, endpoint: Endpoint, units: str) -> None:
        """1102 unless the endpoint's pool can pay ``units`` (with --check-balance)."""
        if endpoint.pool is not None and self._check_balance:
            self.ledger.check(
                account.access_key, self.packs(account), endpoint.pool, units, self.cash(account)
            )

    def charge_now(
        self,
        account: Account,
        endpoint: Endpoint,
        units: str,
        *,
        body: Mapping[str, Any],
        reply: Mapping[str, Any],
        now_ms: int,
    ) -> None:
        """A synchronous call that costs units, charged once it has answered (live-behaviour.md
        B.7; ``check_funds`` refused it beforehand if its pool could not pay), the reply's id and
        result going into the ledger."""
        if endpoint.pool is None:
            return
        self.ledger.charge(
            account.access_key,
            self.packs(account),
            endpoint.pool,
            units,
            self.cash(account),
            ref=str(reply.get("task_id") or reply.get("session_id") or ""),
            endpoint=endpoint.id,
            body=body,
            result=reply.get("task_result") or {},
            at_ms=now_ms,
        )

    # -- checks ------------------------------------------------------------------------------

    def check_rate(self, account: str, now_ms: int) -> None:
        limit = self.rate(account)
        if limit is None:
            return
        window = self._recent.setdefault(account, deque())
        while window and window[0] <= now_ms - 1000:
            window.popleft()
        if len(window) >= limit:
            raise KlingError(1302)
        window.append(now_ms)

    def admit(
        self, account: Account, endpoint: Endpoint, body: Mapping[str, Any], units: str
    ) -> None:
        """Before a create: 1303 over the concurrency quota, 1102 when the packs cannot pay."""
        pool = endpoint.pool
        if pool is None:
            return
        quotas = self.quotas(account.access_key)
        if quotas is not None and pool in quotas:
            key = self._key(account.access_key, pool, body)
            if self._in_use[key] + slots_of(endpoint, body) > quotas[pool]:
                raise KlingError(1303, OVER_CONCURRENCY)
        self.check_funds(account, endpoint, units)

    def on_change(self, change: StatusChange, endpoint: Endpoint) -> None:
        """Lifecycle listener: hold slots from submitted, release and charge at the end."""
        task = change.task
        if endpoint.pool is None:
            return
        if change.old is None:
            key = self._key(task.account, endpoint.pool, task.body)
            slots = slots_of(endpoint, task.body)
            self._held[task.task_id] = (key, slots)
            self._in_use[key] += slots
        elif task.terminal:
            held = self._held.pop(task.task_id, None)
            if held is not None:
                self._in_use[held[0]] -= held[1]
            if task.status == "succeed":
                known = self._accounts.get(task.account)
                packs = self.packs(known) if known else list(DEFAULT_PACKS)
                self.ledger.charge(
                    task.account,
                    packs,
                    endpoint.pool,
                    task.units,
                    self.cash(known),
                    ref=task.task_id,
                    endpoint=task.endpoint,
                    body=task.body,
                    result=task.result,
                    at_ms=task.updated_at,
                )

    def in_use(self, account: str) -> dict[str, int]:
        return {
            f"{pool}/{model}" if model != "*" else pool: n
            for (acc, pool, model), n in sorted(self._in_use.items())
            if acc == account and n
        }

    def describe(self, account: Account) -> dict[str, Any]:
        return {
            "concurrency": self.quotas(account.access_key),
            "concurrency_scope": self._scope,
            "in_use": self.in_use(account.access_key),
            "rate_limit": self.rate(account.access_key),
            "packs": {pool: self.remaining(account, pool) for pool in POOLS},
            "cash_left": self.cash_left(account),
        }

    def _key(self, account: str, pool: str, body: Mapping[str, Any]) -> Key:
        model = str(body.get("model_name") or "-") if self._scope == "model" else "*"
        return (account, pool, model)
