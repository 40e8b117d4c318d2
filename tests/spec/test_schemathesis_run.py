"""Short schemathesis runs (fuzzing phase, every check) find nothing /openapi.json hides.

Every failure a run reports must be one of the deliberate Kling behaviours in ``ALLOWED``
(README "Generic tools against the fake"): a business rule no OpenAPI schema can state.
Anything else means the document and the fake disagree. Every request meets a fresh fake
(``_fresh``): the tool reuses values across operations, and a reused ``external_task_id`` would
end each operation's run at its first body.

The runs happen in a child interpreter (``python -m tests.spec.test_schemathesis_run``):
schemathesis keeps process-wide state, and after the contract harness has used it in the same
process every body generation fails with "unhashable type: 'GeneratedValue'".
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from mock_server import ManualClock, Settings, create_app
from mock_server.app import openapi_document
from tests.paths import REPO_ROOT


@dataclass(frozen=True)
class Allowed:
    check: str
    operation: str  # regex on "METHOD /path"
    message: str  # regex on the response body
    reason: str


ALLOWED = (
    Allowed(
        "positive_data_acceptance",
        r"GET /.*/\{id\}$",
        r'"code":(1201,"message":"Task not found|1203,)',
        "an unknown task id is 400/1201 as live Kling answers (--errors documented: 404/1203)",
    ),
    Allowed(
        "positive_data_acceptance",
        r"POST /",
        r"[Ii]d not found|session not found|already be deleted",
        "x-kling-ref: ids must name existing objects of the account",
    ),
    Allowed(
        "positive_data_acceptance",
        r"POST /",
        r"must be at least \d+ more than|must be earlier than|must add up to|expanded area"
        r"|is used by another item|shot \d+: |at most \d+ shots",
        "x-kling-rule: arithmetic between fields, and the multi-shot prompt syntax",
    ),
    Allowed(
        "positive_data_acceptance",
        r"POST /",
        r"too many fields the schema does not declare",
        "lenient mode keeps at most --max-unknown-fields undeclared fields",
    ),
    Allowed(
        "positive_data_acceptance",
        r"GET /tasks$",
        r"task_ids or external_task_ids is required|cannot exceed \d+ in total",
        "one of two query parameters, at most 20 ids in both: OpenAPI parameters cannot say so",
    ),
    Allowed(
        "unsupported_method",
        r".",
        r'"code":1202,',
        "an undeclared method is 404/1202 as Kling answers, not 405 (coverage phase)",
    ),
)
LENIENT_FORM = (
    "negative_data_rejection: a body the document refuses only in the form it was sent (a "
    "number for a patterned string, ...), which the lenient fake converts to one it accepts"
)
MODES = {
    "live": Settings(concurrency="off"),
    "documented": Settings(concurrency="off", errors="documented"),
    "strict": Settings(concurrency="off", strict=True),
}
# the operations whose rules once defeated generation (mock_server/spec/cases.py)
SPLIT = ("POST /v1/videos/image2video", "POST /v1/videos/omni-video")


def _allowed(check: str, operation: str, body: str) -> str | None:
    """The reason a failure is deliberate, if it is."""
    for a in ALLOWED:
        if a.check == check and re.search(a.operation, operation) and re.search(a.message, body):
            return a.reason
    return None


class _Reading:
    """Whether the fake's reading of a body (scalars converted, nulls dropped: the lenient
    validator's ``prepare``) is valid by the document: then a refused raw form is LENIENT_FORM."""

    def __init__(self, app: Any) -> None:
        backend = app.state.backend
        document = openapi_document(app)
        registry = jsonschema_rs.Registry([("urn:doc", document)])
        self._checks: dict[str, tuple[Any, Any]] = {}
        for op in backend.registry:
            validator = backend.validators.get(op.op_id)
            for path in op.paths:
                content = document["paths"][path][op.method.lower()].get("requestBody", {})
                body = content.get("content", {}).get("application/json")
                if validator is not None and body is not None:
                    ref = {"$ref": "urn:doc" + body["schema"]["$ref"]}
                    view = jsonschema_rs.Draft202012Validator(ref, registry=registry)
                    self._checks[f"{op.method} {path}"] = (validator, view)

    def __call__(self, label: str, sent: bytes | None) -> bool:
        validator, view = self._checks.get(label, (None, None))
        if validator is None or sent is None:
            return False
        try:
            body = json.loads(sent)
        except ValueError:
            return False
        return bool(view.is_valid(validator.prepare(body)))


def _fresh(app: Any) -> Any:
    """``app``, reset before every request, so no request sees what an earlier one left."""
    backend = app.state.backend

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] != "/openapi.json":
            backend.reset()
        await app(scope, receive, send)

    return asgi


def run(
    settings: Settings, examples: int, include: str | None, phases: tuple[str, ...]
) -> dict[str, Any]:
    """One schemathesis run: operations it could not generate (and why), unexpected failures,
    how many failures each allowance took, and per operation the statuses it got."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": 1,
            "headers": {"Authorization": f"Bearer {settings.api_key}"},  # both designs take it
            "generation": {"max-examples": examples, "deterministic": True, "database": "none"},
            "checks": {"enabled": True},
            "phases": {
                phase: {"enabled": phase in phases}
                for phase in ("examples", "coverage", "fuzzing", "stateful")
            },
            "workers": 1,
        }
    )
    app = create_app(settings, clock=ManualClock())
    lenient = None if settings.strict else _Reading(app)
    schema = schemathesis.openapi.from_asgi("/openapi.json", _fresh(app), config=config)
    operations = schema.exclude(path_regex="^/__mock")
    if include:
        operations = operations.include(path_regex=include)
    unexpected: set[str] = set()
    allowed: Counter[str] = Counter()
    errors: dict[str, str] = {}
    statuses: dict[str, Counter[int]] = {}
    for event in from_schema(operations).execute():
        if isinstance(event, events.FatalError):
            raise event.exception
        if isinstance(event, events.NonFatalError):
            errors[event.label] = f"{type(event.value).__name__}: {event.value}"[:500]
        if not isinstance(event, events.ScenarioFinished):
            continue
        recorder = event.recorder
        seen = statuses.setdefault(recorder.label, Counter())
        seen.update(i.response.status_code for i in recorder.interactions.values() if i.response)
        for case_id, checks in recorder.checks.items():
            for check in (c for c in checks if c.failure_info is not None):
                interaction = recorder.interactions.get(case_id)
                response = interaction.response if interaction else None
                body = response.content.decode("utf-8", "replace") if response else ""
                sent = interaction.request.body if interaction else None
                reason = _allowed(check.name, recorder.label, body)
                if check.name == "negative_data_rejection" and lenient:
                    reason = LENIENT_FORM if lenient(recorder.label, sent) else None
                if reason is None:
                    unexpected.add(f"{recorder.label} {check.name}: {sent!r:.500} -> {body:.300}")
                else:
                    allowed[reason] += 1
    return {
        "errors": errors,
        "unexpected": sorted(unexpected),
        "allowed": dict(allowed),
        "statuses": {label: dict(counts) for label, counts in statuses.items()},
    }


def _child(*args: str) -> dict[str, dict[str, Any]]:
    """The runs' results by mode; none may hold an error or an unexpected failure."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.spec.test_schemathesis_run", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results: dict[str, dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    for result in results.values():
        assert not result["errors"], "\n".join(result["errors"].values())
        assert not result["unexpected"], "\n".join(result["unexpected"])
    return results


def test_every_failure_is_a_documented_behaviour() -> None:
    """Every operation, 3 examples each: every POST is generated and sent, and the two whose
    rules once defeated generation get bodies the fake accepts (Kling answers 200, never 201)."""
    statuses = _child("--examples", "3")["live"]["statuses"]
    posts = {label for label in statuses if label.startswith("POST ")}
    assert len(posts) > 40 and all(sum(statuses[label].values()) for label in posts)
    for label in SPLIT:
        assert statuses[label].get("200"), (label, statuses[label])


def test_the_strict_and_documented_documents_hold_too() -> None:
    """Other modes, other rules (x-kling-strict, no x-kling-live), other documents."""
    results = _child(
        "--modes", "strict,documented", "--include", "^/v1/videos/(image2video|omni-video)$"
    )
    for result in results.values():
        for label in SPLIT:
            assert result["statuses"][label].get("200"), (label, result["statuses"][label])


def _main() -> None:
    parser = argparse.ArgumentParser(description="schemathesis against an in-process fake")
    parser.add_argument("--modes", default="live", help=f"comma-separated: {', '.join(MODES)}")
    parser.add_argument("--examples", type=int, default=3)
    parser.add_argument("--include", default=None, help="path regex")
    parser.add_argument("--phases", default="fuzzing", help="comma-separated")
    args = parser.parse_args()
    phases = tuple(args.phases.split(","))
    results = {
        mode: run(MODES[mode], args.examples, args.include, phases)
        for mode in args.modes.split(",")
    }
    print(json.dumps(results))


if __name__ == "__main__":
    _main()
