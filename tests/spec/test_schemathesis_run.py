"""A short schemathesis run (fuzzing phase, every check) finds nothing /openapi.json hides.

Every failure it reports must be one of the deliberate Kling behaviours in ``ALLOWED`` (README
"Generic tools against the fake"): a business rule no OpenAPI schema can state. Anything else
means the document and the fake disagree.

The run happens in a child interpreter (``python -m tests.spec.test_schemathesis_run``):
schemathesis keeps process-wide state, and after the contract harness has used it in the same
process every body generation fails with "unhashable type: 'GeneratedValue'".
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from mock_server import ManualClock, Settings, create_app, mint_token
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
        r'"code":1201,"message":"Task not found',
        "an unknown task id is answered 400/1201, as live Kling does (--errors live)",
    ),
    Allowed(
        "positive_data_acceptance",
        r"POST /",
        r"External_task_id .* already exists",
        "external_task_id must be unique per account; the tool reuses values",
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
        r"must be at least \d+ more than|must be earlier than|must equal|area",
        "x-kling-rule: arithmetic between fields",
    ),
    Allowed(
        "positive_data_acceptance",
        r"POST /",
        r"too many fields the schema does not declare",
        "lenient mode keeps at most --max-unknown-fields undeclared fields",
    ),
)
# schemathesis cannot generate bodies for these (their x-kling-generate: false rules)
UNGENERATED = {"POST /v1/videos/image2video", "POST /v1/videos/omni-video"}


def _allowed(check: str, operation: str, body: str) -> bool:
    return any(
        a.check == check and re.search(a.operation, operation) and re.search(a.message, body)
        for a in ALLOWED
    )


def run() -> tuple[set[str], list[str], list[str]]:
    """The schemathesis run: (operations it could not generate, why, unexpected failures)."""
    clock = ManualClock()
    app = create_app(Settings(concurrency="off"), clock=clock)
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    config = SchemathesisConfig.from_dict(
        {
            "seed": 1,
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {"max-examples": 5, "deterministic": True, "database": "none"},
            "checks": {"enabled": True},
            "phases": {
                phase: {"enabled": phase == "fuzzing"}
                for phase in ("examples", "coverage", "fuzzing", "stateful")
            },
            "workers": 1,
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    operations = schema.exclude(path_regex="^/__mock")
    unexpected: list[str] = []
    errors: set[str] = set()
    details: list[str] = []
    for event in from_schema(operations).execute():
        if isinstance(event, events.FatalError):
            raise event.exception
        if isinstance(event, events.NonFatalError):
            errors.add(event.label)
            details.append(f"{event.label}: {type(event.value).__name__}: {event.value}"[:500])
        if not isinstance(event, events.ScenarioFinished):
            continue
        recorder = event.recorder
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.failure_info is None:
                    continue
                interaction = recorder.interactions.get(case_id)
                response = interaction.response if interaction else None
                body = response.content.decode("utf-8", "replace") if response else ""
                if not _allowed(check.name, recorder.label, body):
                    unexpected.append(f"{recorder.label} {check.name}: {body[:300]}")
    return errors, details, sorted(set(unexpected))


def test_every_failure_is_a_documented_behaviour() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.spec.test_schemathesis_run"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result["errors"]) <= UNGENERATED, "\n".join(result["details"])
    assert not result["unexpected"], "\n".join(result["unexpected"])


if __name__ == "__main__":
    errors, details, unexpected = run()
    print(json.dumps({"errors": sorted(errors), "details": details, "unexpected": unexpected}))
