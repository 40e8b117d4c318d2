"""What the suite exercised: endpoints x checks, error codes seen, schema keywords covered."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mock_server.spec.registry import Registry

# Validation keywords a request schema can hold (what "keywords covered" counts).
KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
        "uniqueItems",
        "required",
        "dependentRequired",
        "oneOf",
        "anyOf",
        "not",
        "if",
        "x-kling-image",
        "x-kling-rule",
    }
)


def schema_keywords(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in KEYWORDS and key != "x-kling-strict":
                yield key
            if key not in ("enum", "const", "default", "examples"):
                yield from schema_keywords(value)
    elif isinstance(node, list):
        for item in node:
            yield from schema_keywords(item)


@dataclass
class Recorder:
    outcomes: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    codes: Counter[int] = field(default_factory=Counter)
    keywords: Counter[str] = field(default_factory=Counter)
    evidence: Counter[str] = field(default_factory=Counter)  # judged bodies by Expectation.source
    requests: int = 0
    started: float = field(default_factory=time.perf_counter)
    notes: list[str] = field(default_factory=list)

    def record(self, endpoint: str, check: str, passed: bool) -> None:
        self.outcomes[(endpoint, check)][0 if passed else 1] += 1

    def judged(self, source: str, keyword: str = "") -> None:
        """One body judged, by where its expectation came from (``Expectation.source``)."""
        self.evidence[source] += 1
        if keyword:
            self.keywords[keyword] += 1

    def saw(self, code: int) -> None:
        self.codes[code] += 1

    @property
    def failed(self) -> int:
        return sum(f for _, f in self.outcomes.values())

    def lines(self, registry: Registry) -> list[str]:
        elapsed = time.perf_counter() - self.started
        checks = sorted({c for _, c in self.outcomes})
        endpoints = sorted({e for e, _ in self.outcomes})
        out = [
            f"kling contract: {self.requests} requests, {len(endpoints)} endpoints, "
            f"{len(checks)} checks in {elapsed:.1f}s"
        ]
        width = max((len(e) for e in endpoints), default=8)
        out.append(f"  {'endpoint':<{width}}  " + "  ".join(checks))
        for endpoint in endpoints:
            cells = []
            for check in checks:
                passed, failed = self.outcomes.get((endpoint, check), (0, 0))
                cell = (
                    "-"
                    if passed + failed == 0
                    else (f"FAIL {failed}" if failed else f"ok {passed}")
                )
                cells.append(f"{cell:<{len(check)}}")
            out.append(f"  {endpoint:<{width}}  " + "  ".join(cells))
        out.append(
            "  error codes seen: "
            + (", ".join(f"{code} x{n}" for code, n in sorted(self.codes.items())) or "none")
        )
        present: set[str] = set()
        for ep in registry.endpoints.values():
            if ep.request:
                present |= set(schema_keywords(registry.spec.schema(ep.request)))
        covered = sorted(k for k in present if self.keywords[k])
        missing = sorted(present - set(covered))
        out.append(
            f"  schema keywords violated and rejected: {len(covered)}/{len(present)} "
            f"({', '.join(covered)})" + (f"; not reached: {', '.join(missing)}" if missing else "")
        )
        out.append(self._evidence_line())
        out.extend(f"  note: {n}" for n in self.notes)
        return out

    def _evidence_line(self) -> str:
        judged = sum(self.evidence.values())
        independent = judged - self.evidence["validator"]
        return (
            f"  independent evidence: {independent}/{judged} judged bodies "
            f"(schema keyword {self.evidence['schema']}, recorded example "
            f"{self.evidence['example']}); the other {self.evidence['validator']} were judged "
            "by the fake's own validator"
        )
