"""final_unit_deduction from each manifest entry's ``units`` rule (live-behaviour.md section B).

A rule is one case, or ``cases``: the first case whose ``when`` matches the request wins, and
the last one has no ``when``. A case's price is its ``rate`` times each term of ``times``::

    units = rate x times[0] x times[1] x ...      (no "times": a price per call)

A term (the rate or a factor) is one of:

* a number;
* ``{"by": field, "values": {value: number}, "default": number}``: looked up by the field's
  value (a rate table, or a multiplier); an unlisted value takes ``default``, else the first;
* ``{"field": f, "default": n, "per": p, "round": r, "auto": n, "record": kind, "key": k}``:
  a quantity read from the request (seconds, images), divided by ``per`` and rounded
  (``nearest``: half up; ``up``: every started block; ``none``). ``"auto"`` reads as ``auto``.
  With ``record`` the field names a stored record (an ``audio_id``) whose ``key`` holds it.

A term in ``times`` with its own ``when`` counts only when that matches (else it is 1).

``when`` maps a field to a value, a list of values, or ``{"given": bool}`` (present and not
empty). Dots reach into objects (``input.mode``). Empty strings and nulls count as absent, and
an absent field takes the request schema's documented default. Each case names its ``source``
or says why it is an ``estimate``; ``product`` is the label the billing ledger shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from mock_server import fieldpath

if TYPE_CHECKING:
    from mock_server.spec.registry import Registry

Lookup = Callable[[str, str], Mapping[str, Any] | None]  # (record kind, id) -> record
ROUNDING = {"nearest": ROUND_HALF_UP, "up": ROUND_CEILING}
_ABSENT = object()


class PriceTable:
    def __init__(
        self,
        rules: Mapping[str, Mapping[str, Any]],
        defaults: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self._rules = {endpoint: _cases(endpoint, rule) for endpoint, rule in rules.items()}
        self._defaults = defaults or {}

    @classmethod
    def for_registry(cls, registry: Registry) -> PriceTable:
        """Every endpoint's rule, with its request schema's top-level defaults."""
        defaults = {}
        for ep in registry.endpoints.values():
            props = registry.spec.schema(ep.request).get("properties", {}) if ep.request else {}
            defaults[ep.id] = {
                k: v["default"] for k, v in props.items() if isinstance(v, dict) and "default" in v
            }
        return cls({ep.id: ep.units for ep in registry.endpoints.values()}, defaults)

    def cases(self, endpoint_id: str) -> list[Mapping[str, Any]]:
        return list(self._rules.get(endpoint_id, []))

    def case(self, endpoint_id: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
        """The case that prices ``body`` (its ``source`` or ``estimate`` says how sure)."""
        request = {**self._defaults.get(endpoint_id, {}), **_present(body)}
        cases = self._rules.get(endpoint_id, [{"rate": 0}])
        return next(c for c in cases if _matches(c.get("when") or {}, request))

    def units(self, endpoint_id: str, body: Mapping[str, Any], lookup: Lookup | None = None) -> str:
        request = {**self._defaults.get(endpoint_id, {}), **_present(body)}
        cases = self._rules.get(endpoint_id, [{"rate": 0}])
        case = next(c for c in cases if _matches(c.get("when") or {}, request))
        amount = _term(case["rate"], request, lookup)
        for term in case.get("times", []):
            amount *= _term(term, request, lookup)
        return format_units(amount)

    def product(self, endpoint_id: str, body: Mapping[str, Any]) -> str | None:
        """The label the billing ledger shows for this charge (``product_function``)."""
        label = self.case(endpoint_id, body).get("product")
        return None if label is None else str(label)


def _cases(endpoint: str, rule: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The rule as a list of cases; the schema checks their shape, this their order."""
    cases = list(rule["cases"]) if "cases" in rule else [rule]
    if cases[-1].get("when"):
        raise ValueError(
            f"manifest {endpoint}: units: the last case must have no 'when', "
            "so that every request has a price"
        )
    if "product" in rule:
        cases = [{"product": rule["product"], **c} for c in cases]
    return cases


def _present(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None and v != ""}


def _get(request: Mapping[str, Any], field: str) -> Any:
    """A dotted field; ``contents[type=feature_video]`` is the first such item (fieldpath.py)."""
    value = fieldpath.get(request, field, _ABSENT)
    return _ABSENT if value is None or value == "" else value


def _matches(when: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
    for field, wanted in when.items():
        value = _get(request, field)
        if isinstance(wanted, dict):
            if (value is not _ABSENT and value not in ([], {})) != wanted["given"]:
                return False
        elif isinstance(wanted, list):
            if value is _ABSENT or str(value) not in {str(w) for w in wanted}:
                return False
        elif value is _ABSENT or str(value) != str(wanted):
            return False
    return True


def _term(term: Any, request: Mapping[str, Any], lookup: Lookup | None) -> Decimal:
    if not isinstance(term, dict):
        return _dec(term)
    if not _matches(term.get("when") or {}, request):
        return Decimal(1)
    if "by" in term:
        values = term["values"]
        key = str(_get(request, term["by"]))
        return _dec(values.get(key, term.get("default", next(iter(values.values())))))
    value = _get(request, term["field"])
    if "record" in term and value is not _ABSENT:
        record = lookup(term["record"], str(value)) if lookup else None
        value = (record or {}).get(term["key"], _ABSENT)
    if value == "auto":
        value = term.get("auto", _ABSENT)
    number = _number(value, _dec(term.get("default", 1)))
    number /= _dec(term.get("per", 1))
    rounding = ROUNDING.get(term.get("round", "none"))
    return number.quantize(Decimal(1), rounding=rounding) if rounding else number


def _number(value: Any, default: Decimal) -> Decimal:
    if value is _ABSENT or isinstance(value, bool):
        return default
    try:
        number = _dec(value)
    except (InvalidOperation, ValueError, TypeError):
        return default
    # A quantity the schema leaves unchecked (e.g. an ignored old field) can be anything: a
    # price is never negative or infinite, so such a value counts as not given.
    return number if number.is_finite() and number > 0 else default


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def format_units(amount: Decimal | float | str) -> str:
    """A minimal decimal string, as Kling's ``amount`` looks (``"2.4"``, ``"8"``, ``"0.05"``);
    amounts below a thousandth of a unit are not kept."""
    text = f"{Decimal(str(amount)).quantize(Decimal('0.001'), ROUND_HALF_UP):f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("", "-0") else text
