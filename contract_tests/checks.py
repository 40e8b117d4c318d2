"""The contract, as named checks. Each is a plain function that raises ``CheckFailure``
(an ``AssertionError`` carrying the check's name) and records its outcome for the summary."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import httpx
from jsonschema import Draft202012Validator

from contract_tests.oracle import Expectation
from contract_tests.payloads import result_urls, short
from contract_tests.report import Recorder
from mock_server.errors import error_table
from mock_server.spec.registry import Operation, Registry
from mock_server.validation.images import BASE64_MESSAGE

P = ParamSpec("P")
R = TypeVar("R")
TERMINAL = ("succeed", "failed")
ORDER = {"submitted": 0, "processing": 1, "succeed": 2, "failed": 2}


class CheckFailure(AssertionError):
    def __init__(self, check: str, message: str) -> None:
        super().__init__(f"[{check}] {message}")
        self.check = check


@dataclass(frozen=True)
class CheckInfo:
    name: str
    description: str


CHECKS: dict[str, CheckInfo] = {}


@dataclass
class Context:
    """What every check needs: the schemas, the recorder, and how strict to be on the wire."""

    registry: Registry
    recorder: Recorder
    exact_errors: bool = True  # fakes: exact code, field and HTTP status; real Kling: family
    _compiled: dict[str, Draft202012Validator] = field(default_factory=dict, repr=False)

    def validate(self, schema: dict[str, Any], instance: Any) -> list[str]:
        key = json.dumps(schema, sort_keys=True)  # response schemas are small: a cheap key
        if key not in self._compiled:
            self._compiled[key] = Draft202012Validator(schema, registry=self.registry.spec.registry)
        errors = self._compiled[key].iter_errors(instance)
        return [f"{e.json_path}: {e.message}" for e in errors][:5]

    def ref(self, rel: str) -> dict[str, Any]:
        return {"$ref": self.registry.spec.uri(rel)}


def check(name: str, description: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Register a check; its first two arguments are the Context and the endpoint id."""
    if name in CHECKS:
        raise ValueError(f"check {name!r} registered twice")
    CHECKS[name] = CheckInfo(name, description)

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            ctx, endpoint = args[0], args[1]
            assert isinstance(ctx, Context)
            try:
                result = fn(*args, **kwargs)
            except CheckFailure:
                ctx.recorder.record(str(endpoint), name, False)
                raise
            ctx.recorder.record(str(endpoint), name, True)
            return result

        return run

    return wrap


def _body(response: httpx.Response, check_name: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise CheckFailure(
            check_name, f"HTTP {response.status_code}: body is not JSON: {response.text[:200]!r}"
        ) from None
    if not isinstance(body, dict):
        raise CheckFailure(check_name, f"body is not a JSON object: {body!r}"[:300])
    return body


@check(
    "response_conforms",
    "a success is the Kling envelope (code 0, SUCCEED, UUID request_id) "
    "with data matching the endpoint's schema",
)
def response_conforms(ctx: Context, endpoint: str, op: Operation, response: httpx.Response) -> Any:
    body = _body(response, "response_conforms")
    ctx.recorder.saw(int(body.get("code", -1)))
    if response.status_code != 200 or body.get("code") != 0:
        raise CheckFailure(
            "response_conforms",
            f"expected success, got HTTP {response.status_code}: {response.text[:300]}",
        )
    problems = ctx.validate(ctx.ref("common/envelope.json"), body)
    if "data" in body or not op.endpoint.live_omits_data:
        problems += ctx.validate(op.data_schema, body.get("data"))
    if problems:
        raise CheckFailure("response_conforms", f"{op.op_id}: " + "; ".join(problems))
    return body.get("data")


@check(
    "error_conforms",
    "an error is the Kling envelope without data, with a documented code "
    "and that code's HTTP status",
)
def error_conforms(ctx: Context, endpoint: str, response: httpx.Response) -> dict[str, Any]:
    body = _body(response, "error_conforms")
    problems = ctx.validate(ctx.ref("common/error.json"), body)
    code = body.get("code")
    if isinstance(code, int):
        ctx.recorder.saw(code)
    if code not in error_table():
        problems.append(f"code {code!r} is not in Kling's table")
    elif ctx.exact_errors and response.status_code != error_table()[code]["http_status"]:
        problems.append(
            f"HTTP {response.status_code} for code {code}, table says "
            f"{error_table()[code]['http_status']}"
        )
    if response.status_code >= 500 and code not in (5000, 5001, 5002):
        problems.append(f"HTTP {response.status_code}")
    if problems:
        raise CheckFailure("error_conforms", "; ".join(problems))
    return body


@check("valid_accepted", "a body valid under the schemas is accepted (code 0)")
def valid_accepted(
    ctx: Context, endpoint: str, op: Operation, body: Any, response: httpx.Response
) -> Any:
    ctx.recorder.judged("validator")  # a generated body: only the validator called it valid
    try:
        return response_conforms(ctx, endpoint, op, response)
    except CheckFailure as failure:
        raise CheckFailure("valid_accepted", f"valid body {short(body)} -> {failure}") from None


@check(
    "invalid_rejected",
    "a body that breaks one rule is rejected with 400 and 1200/1201 (1203 for an unknown "
    "model), naming the field (or with Kling's exact text); never 5xx, never accepted",
)
def invalid_rejected(
    ctx: Context, endpoint: str, body: Any, expected: Expectation, response: httpx.Response
) -> None:
    ctx.recorder.judged(expected.source, expected.keyword)
    if response.status_code == 200 and _body(response, "invalid_rejected").get("code") == 0:
        raise CheckFailure(
            "invalid_rejected",
            f"accepted a body that breaks {expected.keyword or 'its recorded rule'} at "
            f"{expected.field or 'the body'} ({expected.message}): {short(body)}",
        )
    error = error_conforms(ctx, endpoint, response)
    code, message = error.get("code"), str(error.get("message", ""))
    if ctx.exact_errors:
        if code != expected.code:
            raise CheckFailure(
                "invalid_rejected",
                f"expected code {expected.code} ({expected.message}), got {code}: {message} "
                f"for {short(body)}",
            )
        if expected.verbatim and message != expected.message:
            raise CheckFailure("invalid_rejected", f"want {expected.message!r}, got {message!r}")
        exact = (BASE64_MESSAGE, expected.message)  # verbatim Kling texts need not name it
        if expected.field and expected.field not in message and message not in exact:
            raise CheckFailure(
                "invalid_rejected", f"message {message!r} does not name {expected.field!r}"
            )
    elif code not in (1200, 1201, 1203):
        raise CheckFailure("invalid_rejected", f"expected 1200/1201/1203, got {code}: {message}")


@check("auth_codes", "missing, malformed, forged, early and expired credentials give 1001-1004")
def auth_codes(
    ctx: Context, endpoint: str, cases: Iterable[tuple[str, int, httpx.Response]]
) -> None:
    wrong = []
    for name, expected, response in cases:
        body = error_conforms(ctx, endpoint, response)
        if body.get("code") != expected:
            wrong.append(f"{name}: expected {expected}, got {body.get('code')}")
    if wrong:
        raise CheckFailure("auth_codes", "; ".join(wrong))


@check(
    "lifecycle_monotonic",
    "statuses go submitted -> processing -> succeed|failed, never "
    "back; timestamps are ms and never decrease",
)
def lifecycle_monotonic(ctx: Context, endpoint: str, seen: list[dict[str, Any]]) -> None:
    statuses = [t.get("task_status") for t in seen]
    unknown = [s for s in statuses if s not in ORDER]
    if unknown:
        raise CheckFailure("lifecycle_monotonic", f"unknown task_status {unknown[0]!r}")
    ranks = [ORDER[str(s)] for s in statuses]
    if ranks != sorted(ranks) or statuses[-1] not in TERMINAL:
        raise CheckFailure("lifecycle_monotonic", f"status sequence {statuses}")
    times = [t.get("updated_at", 0) for t in seen]
    if times != sorted(times) or any(
        t.get("created_at") != seen[0].get("created_at") for t in seen
    ):
        raise CheckFailure("lifecycle_monotonic", f"timestamps went back: {times}")
    if statuses[-1] == "failed" and not seen[-1].get("task_status_msg"):
        raise CheckFailure("lifecycle_monotonic", "failed without a task_status_msg")


@check("media_downloads", "every result URL downloads with a media content type")
def media_downloads(
    ctx: Context, endpoint: str, get: Callable[[str], httpx.Response], task: dict[str, Any]
) -> None:
    echoed = set(result_urls(task.get("_request", {})))
    for url in result_urls(task.get("task_result", {})):
        if url in echoed:
            continue
        response = get(url)
        kind = response.headers.get("content-type", "")
        if response.status_code != 200 or not kind.startswith(("image/", "video/", "audio/")):
            raise CheckFailure("media_downloads", f"{url}: HTTP {response.status_code} {kind}")


@check("query_equals_list", "the single query and the task's list entry are the same object")
def query_equals_list(
    ctx: Context, endpoint: str, single: dict[str, Any], listed: list[dict[str, Any]]
) -> None:
    entry = next((t for t in listed if t.get("task_id") == single.get("task_id")), None)
    if entry is None:
        raise CheckFailure("query_equals_list", f"task {single.get('task_id')} not on page 1")
    if entry != single:
        diff = sorted(k for k in set(entry) | set(single) if entry.get(k) != single.get(k))
        raise CheckFailure("query_equals_list", f"fields differ: {diff}")


@check("external_id_roundtrip", "external_task_id is echoed in task_info and finds the task")
def external_id_roundtrip(
    ctx: Context,
    endpoint: str,
    external: str,
    by_id: dict[str, Any],
    by_external: dict[str, Any] | None,
) -> None:
    if by_id.get("task_info", {}).get("external_task_id") != external:
        raise CheckFailure(
            "external_id_roundtrip", f"task_info is {by_id.get('task_info')!r}, sent {external!r}"
        )
    if by_external is not None and by_external.get("task_id") != by_id.get("task_id"):
        raise CheckFailure("external_id_roundtrip", "lookup by external_task_id found another task")


@check(
    "paging_bounds",
    "pageNum 1-1000 and pageSize 1-max are enforced with 1201; the bounds themselves are accepted",
)
def paging_bounds(
    ctx: Context, endpoint: str, cases: Iterable[tuple[dict[str, int], bool, httpx.Response]]
) -> None:
    for params, allowed, response in cases:
        body = _body(response, "paging_bounds")
        ctx.recorder.saw(int(body.get("code", -1)))
        if allowed and body.get("code") != 0:
            raise CheckFailure("paging_bounds", f"{params} refused: {response.text[:200]}")
        if not allowed and body.get("code") != 1201:
            raise CheckFailure("paging_bounds", f"{params} gave code {body.get('code')}")


@check(
    "callbacks_in_order",
    "callback bodies are bare task objects matching the callback schema, in status order",
)
def callbacks_in_order(
    ctx: Context,
    endpoint: str,
    op: Operation | None,
    payloads: list[Any],
    *,
    schema: str = "common/callback.json",
    view: Callable[[Any], Any] = lambda payload: payload,
) -> None:
    """``op``: the query whose task object a callback repeats (None: the design's one query
    surface, whose object ``schema`` is); ``view`` reads a payload in the legacy keys."""
    for payload in payloads:
        problems = ctx.validate(ctx.ref(schema), payload)
        problems += ctx.validate(op.data_schema, payload) if op is not None else []
        if problems:
            raise CheckFailure("callbacks_in_order", "; ".join(problems))
    lifecycle = [view(p) for p in payloads if isinstance(p, dict)]
    ranks = [ORDER.get(str(p.get("task_status")), -1) for p in lifecycle]
    if ranks != sorted(ranks):
        raise CheckFailure(
            "callbacks_in_order", f"out of order: {[p.get('task_status') for p in lifecycle]}"
        )
