"""Fault rules: which requests they match, when they fire, and what they do.

``RuleSet`` keeps the active rules in order, counts their hits and draws every chance from one
seeded stream dedicated to faults, only for requests a rule matches: requests no rule matches
never shift an outcome. Rules arrive checked (``scenarios.py``).

    match  method path endpoint family action account body   (all given must hold)
    when   probability every times                            (all given must hold)
    effect error latency_ms drop_connection malformed_body    (HTTP: middleware.py)
           task_fails callback                                (task: FaultDecision)
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from itertools import chain, count
from typing import Any, Literal

from mock_server.callbacks.policy import CallbackEffect

Source = Literal["startup", "runtime", "header"]
Malformed = Literal["html", "truncated"]
DEFAULT_TASK_FAILURE = "Failure to pass the risk control system"
PROTECTED = ("/__mock", "/media/", "/openapi.json")
ROUTE_KEYS = ("method", "endpoint", "family", "action")


@dataclass(frozen=True)
class FaultDecision:
    """What the create endpoint must do to the task it creates (``scope["state"]
    ["kling_fault"]``): end it ``failed`` with ``task_failure`` as its task_status_msg, and
    apply ``callback_effect`` to its callbacks. ``rules``: the ids of the rules that fired."""

    task_failure: str | None
    callback_effect: CallbackEffect | None
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Facts:
    """What a rule can match on; ``account`` and ``body`` only if a rule needs them."""

    method: str
    path: str
    endpoint: str | None = None
    family: str | None = None
    action: str | None = None
    account: str | None = None
    body: Any = None


@dataclass(frozen=True)
class Match:
    """``equal``: the route keys (method, endpoint, family, action) and ``account``, each
    equal to the request's; ``path``: a glob; ``body``: one test per top-level field."""

    equal: tuple[tuple[str, str], ...] = ()
    path: re.Pattern[str] | None = None
    path_head: str = ""  # the literal text before the first '*'
    body: tuple[tuple[str, Callable[[Any], bool]], ...] = ()

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Match:
        path = raw.get("path")
        return cls(
            equal=tuple((k, raw[k]) for k in (*ROUTE_KEYS, "account") if k in raw),
            path=None if path is None else glob(path),
            path_head=(path or "").partition("*")[0],
            body=tuple((k, _value_test(v)) for k, v in (raw.get("body") or {}).items()),
        )

    @property
    def needs(self) -> frozenset[str]:
        """Facts beyond the route this match reads: ``account``, ``body``."""
        keys = {k for k, _ in self.equal if k == "account"}
        return frozenset(keys | ({"body"} if self.body else set()))

    def names(self, area: str) -> bool:
        """True if the path pattern reaches into a protected ``area`` explicitly: its
        literal head starts with it, as ``/media/*`` or ``/__mock/health`` do (``*`` does not)."""
        return self.path is not None and self.path_head.startswith(area)

    def holds_route(self, facts: Facts) -> bool:
        return (self.path is None or self.path.fullmatch(facts.path) is not None) and all(
            getattr(facts, k) == v for k, v in self.equal if k != "account"
        )

    def holds(self, facts: Facts) -> bool:
        body = facts.body
        return (
            self.holds_route(facts)
            and all(facts.account == v for k, v in self.equal if k == "account")
            and (not self.body or isinstance(body, dict))
            and all(k in body and test(body[k]) for k, test in self.body)
        )


@dataclass(frozen=True)
class Effect:
    error: tuple[int, str | None, int | None] | None = None  # code, message, http_status
    latency_ms: tuple[float, float] | None = None  # uniform between the two
    drop_connection: bool = False
    malformed_body: Malformed | None = None
    task_failure: str | None = None
    callback: CallbackEffect | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Effect:
        error, latency, fails = raw.get("error"), raw.get("latency_ms"), raw.get("task_fails")
        span: Any = latency if isinstance(latency, dict) else {"min": latency, "max": latency}
        return cls(
            error=error and (int(error["code"]), error.get("message"), error.get("http_status")),
            latency_ms=None if latency is None else (float(span["min"]), float(span["max"])),
            drop_connection=bool(raw.get("drop_connection")),
            malformed_body=raw.get("malformed_body"),
            task_failure=None if fails is None else fails.get("message", DEFAULT_TASK_FAILURE),
            callback=raw.get("callback") and CallbackEffect(**raw["callback"]),
        )


@dataclass
class Rule:
    id: str
    source: Source
    raw: dict[str, Any]  # as given (without its id), for the control API
    scenario: str | None = None
    matched: int = 0  # requests matched so far
    hits: int = 0  # requests the rule applied to
    match: Match = field(init=False)
    effect: Effect = field(init=False)

    def __post_init__(self) -> None:
        self.match = Match.parse(self.raw.get("match") or {})
        self.effect = Effect.parse(self.raw["effect"])
        self._when: dict[str, Any] = self.raw.get("when") or {}

    @property
    def spent(self) -> bool:
        return bool(self.hits >= self._when.get("times", math.inf))

    def fires(self, rng: random.Random) -> bool:
        """Count one matching request and decide (one draw if the rule has a probability)."""
        self.matched += 1
        chance = self._when.get("probability")
        lucky = chance is None or rng.random() < chance
        every = self._when.get("every")
        fired = lucky and (every is None or self.matched % every == 0)
        self.hits += fired
        return fired

    def describe(self) -> dict[str, Any]:
        counters = {"hits": self.hits, "matched": self.matched, "spent": self.spent}
        rule = {k: v for k, v in self.raw.items() if k != "id"}
        return {"id": self.id, "source": self.source, "scenario": self.scenario, **counters, **rule}


@dataclass
class Outcome:
    """What every rule that fired on one request does together: latencies add up, the
    first rule that answers (error, drop, malformed) decides the answer."""

    rules: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    error: tuple[int, str | None, int | None] | None = None
    drop_connection: bool = False
    malformed_body: Malformed | None = None
    task_failure: str | None = None
    callback: CallbackEffect | None = None

    def add(self, rule_id: str, fx: Effect, rng: random.Random) -> None:
        self.rules.append(rule_id)
        if fx.latency_ms is not None:
            low, high = fx.latency_ms
            self.latency_ms += low if low == high else rng.uniform(low, high)
        if not (self.error or self.drop_connection or self.malformed_body):
            self.error, self.drop_connection = fx.error, fx.drop_connection
            self.malformed_body = fx.malformed_body
        self.task_failure = self.task_failure or fx.task_failure
        self.callback = _merge(self.callback, fx.callback)

    @property
    def decision(self) -> FaultDecision | None:
        fired = tuple(self.rules)
        return FaultDecision(self.task_failure, self.callback, fired) if fired else None


class RuleSet:
    """The active rules, in the order they are evaluated: start-up, then run-time (oldest
    first); then, for one request, the named scenarios its header asks for."""

    def __init__(self, seed: int) -> None:
        self.rules: list[Rule] = []
        self._header: dict[str, list[Rule]] = {}
        self._rng = random.Random(f"kling-mock:faults:{seed}")

    def add(
        self, raws: Iterable[dict[str, Any]], source: Source, scenario: str | None = None
    ) -> list[str]:
        """Add rules (already checked) all or none; KeyError names an id already in use."""
        taken = {r.id for r in self.rules}
        new = []
        for i, raw in enumerate(raws):
            new.append(Rule(self._id(raw, scenario, i, taken), source, raw, scenario))
            if new[-1].id in taken:
                raise KeyError(new[-1].id)
            taken.add(new[-1].id)
        self.rules.extend(new)
        return [r.id for r in new]

    def remove(self, rule_id: str) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) < before

    def clear_runtime(self) -> list[str]:
        gone = [r.id for r in self.rules if r.source == "runtime"]
        self.rules = [r for r in self.rules if r.source != "runtime"]
        return gone

    def describe(self) -> list[dict[str, Any]]:
        """Every rule (header ones once a request has used them), with its counters."""
        return [r.describe() for r in (*self.rules, *chain(*self._header.values()))]

    def header_rules(self, name: str, raws: list[dict[str, Any]]) -> list[Rule]:
        """The rules of a named scenario asked for per request: compiled once, so their
        counters (every, times) run over the requests that carry the header."""
        if name not in self._header:
            self._header[name] = [
                Rule(f"header:{self._id(raw, name, i, set())}", "header", raw, name)
                for i, raw in enumerate(raws)
            ]
        return self._header[name]

    def candidates(self, path: str, extra: Iterable[Rule] = ()) -> list[Rule]:
        """Rules that may apply to ``path``: not spent, and on a protected path (the control
        API, /media) only those whose path pattern names it explicitly."""
        if not self.rules and not extra:  # the usual case: asked on every request
            return []
        area = protected_area(path)
        return [
            r
            for r in (*self.rules, *extra)
            if not r.spent and (area is None or r.match.names(area))
        ]

    def fire(self, matching: Iterable[Rule]) -> Outcome:
        """Decide each matching rule in order and combine what fired."""
        out = Outcome()
        for rule in matching:
            if rule.fires(self._rng):
                out.add(rule.id, rule.effect, self._rng)
        return out

    @staticmethod
    def _id(raw: dict[str, Any], scenario: str | None, index: int, taken: set[str]) -> str:
        if raw.get("id"):
            return str(raw["id"])
        if scenario is not None:
            return f"{scenario}-{index + 1}"
        return next(f"rule-{n}" for n in count(1) if f"rule-{n}" not in taken)


def glob(pattern: str) -> re.Pattern[str]:
    """``*`` stands for any text, slashes included; everything else is literal."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def protected_area(path: str) -> str | None:
    """The fake's own areas (control API, result files, its OpenAPI document) are never
    faulted unless a rule's path names them."""
    return next((area for area in PROTECTED if path.startswith(area)), None)


def _value_test(wanted: Any) -> Callable[[Any], bool]:
    """``{"contains": text}``: a string holding that text; anything else: JSON equality."""
    if isinstance(wanted, dict) and set(wanted) == {"contains"}:
        text = wanted["contains"]
        return lambda value: isinstance(value, str) and text in value
    canon = _canon(wanted)
    return lambda value: bool(_canon(value) == canon)


def _canon(value: Any) -> Any:
    """A form where Python equality is JSON equality: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canon(v) for v in value]
    return (type(value) is bool, value)


def _merge(a: CallbackEffect | None, b: CallbackEffect | None) -> CallbackEffect | None:
    """Several callback effects: flags add up (or), delays add up."""
    if a is None or b is None:
        return a or b
    values = {f.name: getattr(a, f.name) or getattr(b, f.name) for f in fields(CallbackEffect)}
    return CallbackEffect(**{**values, "delay_s": a.delay_s + b.delay_s})
