"""The Kling contract, endpoint by endpoint. Run with ``kling-mock contract``, ``make contract``
or ``pytest --pyargs contract_tests`` (options: ``pytest --help``, group "kling")."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from contract_tests import checks
from contract_tests.flows import sender, task_flow
from contract_tests.generation import with_image_url
from contract_tests.harness import Harness
from contract_tests.mutations import mutations, recorded
from contract_tests.objects import Objects, Unavailable
from contract_tests.payloads import unique_external_id
from contract_tests.setups import SetupRefused, prepare
from contract_tests.spend import minimal_body
from mock_server.auth import allow_short_keys
from mock_server.examples import endpoints_with_examples
from mock_server.spec.loader import load_spec
from mock_server.spec.registry import Operation, Registry
from mock_server.validation.references import References

REGISTRY = Registry(load_spec())
POSTS = [op for op in REGISTRY if op.method == "POST"]
TASKS = [ep for ep in REGISTRY.endpoints.values() if ep.kind == "task"]
LISTS = [op for op in REGISTRY if op.action in ("list", "catalog")]
EXAMPLES = set(endpoints_with_examples())
REFERENCES = References(REGISTRY)  # which ids a body names, so setups can make real ones


def _objects(kling: Harness) -> Objects:
    assert kling.objects is not None  # harness.build makes them
    return kling.objects


def _id(op: Operation) -> str:
    return op.op_id


@pytest.fixture(autouse=True)
def _api_key_for_its_design(request: pytest.FixtureRequest, kling: Harness) -> None:
    """A test of a model-path endpoint needs the target's API key (that design takes nothing
    else); without one (``KLING_API_KEY`` for the real target) it is skipped, not failed."""
    params = getattr(request.node, "callspec", None)
    given = params.params if params is not None else {}
    op, endpoint = given.get("op"), given.get("endpoint")
    ep = op.endpoint if isinstance(op, Operation) else REGISTRY.endpoints.get(str(endpoint))
    if ep is not None and ep.design.auth == "api-key" and not kling.target.api_key:
        pytest.skip("the model-path design takes only an API key: set KLING_API_KEY")


def examples(kling: Harness, op: Operation, mode: str, judge: Callable[[Any], None]) -> None:
    """Run ``judge`` on generated bodies; against real Kling no shrinking (it costs requests)."""
    count = (
        kling.profile.positive_examples if mode == "positive" else kling.profile.negative_examples
    )
    phases = [Phase.generate] if kling.target.kind == "real" else list(Phase)

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=kling.derandomize,
        suppress_health_check=list(HealthCheck),
        phases=phases,
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        judge(data.draw(kling.generator.bodies(op, mode), label="body"))

    run()


def _unique(op: Operation, body: Any) -> Any:
    """A generated external_task_id must not collide with an earlier example's; it lives
    where the endpoint's design keeps it (``options.external_task_id`` in the model-path one)."""
    *parents, name = op.endpoint.design.fields.get("external_task_id", "external_task_id").split(
        "."
    )
    if not isinstance(body, dict):
        return body
    out = dict(body)
    node = out
    for parent in parents:
        if not isinstance(node.get(parent), dict):
            return out
        node[parent] = dict(node[parent])
        node = node[parent]
    if isinstance(node.get(name), str) and node[name]:
        node[name] = unique_external_id()
    return out


def _send(kling: Harness, op: Operation, body: Any) -> httpx.Response:
    kling.recorder.requests += 1
    if op.method == "GET":
        return kling.target.request(op.method, op.path, params=body)
    if isinstance(body, bytes | bytearray):  # negative mode may send a body that is not JSON
        return kling.target.request(
            op.method, op.path, content=bytes(body), headers={"Content-Type": "application/json"}
        )
    return kling.target.request(op.method, op.path, json=body)


@pytest.mark.parametrize("op", POSTS, ids=_id)
def test_invalid_bodies_are_rejected(kling: Harness, op: Operation) -> None:
    ep = op.endpoint.id

    def judge(body: Any) -> None:
        body = _unique(op, body)
        expected = kling.oracle.expect(op, body)
        assume(not expected.accepted)
        checks.invalid_rejected(kling.ctx, ep, body, expected, _send(kling, op, body))

    examples(kling, op, "negative", judge)


def _made_once(send: Any) -> Any:
    """``send`` for setups that makes each object once: the sweep's bodies are all refused, so
    they change nothing, and a served target takes real seconds to finish a setup video."""
    made: dict[str, Any] = {}

    def once(method: str, path: str, body: dict[str, Any]) -> Any:
        if method != "POST":
            return send(method, path, body)
        key = f"{path} {json.dumps(body, sort_keys=True)}"
        if key not in made:
            made[key] = send(method, path, body)
        return made[key]

    return once


def _input_op(endpoint: str) -> Operation:
    """The operation that takes the endpoint's body (a task's create) or query object."""
    ops = [o for o in REGISTRY if o.endpoint.id == endpoint and o.action != "get"]
    return next((o for o in ops if o.method == "POST"), ops[0])


@pytest.mark.parametrize(
    "endpoint",
    [
        ep.id
        for ep in REGISTRY.endpoints.values()
        if (ep.request and ep.method == "POST") or ep.kind == "task" or ep.id in EXAMPLES
    ],
)
def test_single_mutations_are_rejected(kling: Harness, endpoint: str) -> None:
    """Each declared constraint of each field broken alone, and each recorded invalid example,
    with the answer the schema keyword or the recording gives (never the fake's validator)."""
    op = _input_op(endpoint)
    send = _made_once(sender(kling))
    sweep = mutations(REGISTRY, endpoint, minimal_body(endpoint)) if op.method == "POST" else []
    if kling.target.kind != "real":  # recorded ids and edge cases: fakes only, never billed
        sweep += recorded(endpoint, strict=kling.options.strict)
    if not sweep and op.method == "GET":
        pytest.skip("a query endpoint: its recorded examples are sent to fakes only")
    for mutation in sweep:
        body, expected = mutation.body, mutation.expected
        if kling.target.kind != "real":  # state a call acts on; on real Kling it would cost
            # Real objects for every id but the judged field's: a fake that stopped enforcing
            # the broken rule must accept the body, not refuse a made-up id.
            body = prepare(
                endpoint,
                body,
                send,
                kling.target.wait,
                keep=expected.field,
                refs=REFERENCES.of(endpoint),
                objects=_objects(kling),
            )
        checks.invalid_rejected(kling.ctx, endpoint, body, expected, _send(kling, op, body))
    assert sweep, f"no mutation of {endpoint} breaks a rule"


@pytest.mark.kling_billable
@pytest.mark.parametrize("op", POSTS, ids=_id)
def test_valid_bodies_are_accepted(kling: Harness, op: Operation) -> None:
    if kling.target.kind == "real" and op.endpoint.kind != "account":
        pytest.skip(
            "billable on real Kling; the task flows cover valid bodies within --kling-allow-spend"
        )
    ep = op.endpoint.id
    send = sender(kling)
    objects = _objects(kling)

    def judge(body: Any) -> None:
        body = _unique(op, body)
        expected = kling.oracle.expect(op, body)
        if not expected.accepted:  # a rule schemathesis cannot see: judged as an invalid body
            checks.invalid_rejected(kling.ctx, ep, body, expected, _send(kling, op, body))
            return
        try:  # real objects for the ids it names, and the state a call acts on
            body = prepare(
                ep, body, send, kling.target.wait, refs=REFERENCES.of(ep), objects=objects
            )
        except SetupRefused as refused:
            raise checks.CheckFailure("valid_accepted", f"setup failed: {refused}") from None
        # Judged again as sent: the objects' rules (an audio's length, a face's window) are
        # ones generation cannot see, judged with the fake's rules on what was made.
        expected = kling.oracle.expect(op, body)
        if expected.accepted:
            expected = objects.expect(kling.oracle, op.op_id, body)
        if not expected.accepted:
            checks.invalid_rejected(kling.ctx, ep, body, expected, _send(kling, op, body))
            return
        checks.valid_accepted(kling.ctx, ep, op, body, _send(kling, op, body))

    examples(kling, op, "positive", judge)


@pytest.mark.kling_billable
@pytest.mark.parametrize("endpoint", [ep.id for ep in TASKS])
def test_task_flow(kling: Harness, endpoint: str) -> None:
    """Create -> processing -> succeed/failed, query == list entry, external id, downloads,
    callbacks (when the target sends them)."""
    if not kling.guard.planned(endpoint):
        pytest.skip("not in the spending plan (--kling-allow-spend)")
    if not kling.guard.may_create(endpoint):
        pytest.skip("spending allowance used up")
    body = with_image_url(REGISTRY, endpoint, minimal_body(endpoint), kling.options.image_url)
    try:  # the ids it names: made first (within the allowance on real Kling), or presets
        body = _objects(kling).fill(body, REFERENCES.of(endpoint))
    except Unavailable as missing:
        pytest.skip(f"{missing} (--kling-allow-spend)")
    if not kling.guard.may_create(endpoint):  # what it names took the rest of the allowance
        pytest.skip("spending allowance used up")
    task_flow(kling, REGISTRY.endpoints[endpoint], body)


def _forged(
    kling: Harness, claims: dict[str, Any], *, secret: str | None = None, alg: str = "HS256"
) -> str:
    with allow_short_keys():  # deliberately forged tokens may use short test secrets
        return jwt.encode(claims, secret or kling.target.secret_key, algorithm=alg)


def _unsigned(claims: dict[str, Any]) -> str:
    def part(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_auth_failures_map_to_1001_to_1004(kling: Harness) -> None:
    now = int(kling.target.now_s())
    ak = kling.target.access_key
    path = "/v1/videos/text2video"
    cases: list[tuple[str, int, dict[str, str]]] = [
        ("no header", 1001, {}),
        ("not bearer", 1002, {"Authorization": "Basic abc"}),
        ("not a jwt", 1002, {"Authorization": "Bearer not-a-jwt"}),
        (
            "bad signature",
            1002,
            {
                "Authorization": "Bearer "
                + _forged(
                    kling, {"iss": ak, "exp": now + 1800, "nbf": now - 5}, secret="wrong-secret"
                )
            },
        ),
        (
            "alg none",
            1002,
            {
                "Authorization": "Bearer "
                + _unsigned({"iss": ak, "exp": now + 1800, "nbf": now - 5})
            },
        ),
        (
            "nbf in the future",
            1003,
            {
                "Authorization": "Bearer "
                + _forged(kling, {"iss": ak, "exp": now + 3600, "nbf": now + 600})
            },
        ),
        (
            "expired",
            1004,
            {
                "Authorization": "Bearer "
                + _forged(kling, {"iss": ak, "exp": now - 600, "nbf": now - 2400})
            },
        ),
    ]
    responses = []
    for name, code, headers in cases:
        kling.recorder.requests += 1
        responses.append(
            (name, code, kling.target.request("GET", path, auth=False, headers=headers))
        )
    checks.auth_codes(kling.ctx, "auth", responses)


@pytest.mark.parametrize("op", LISTS, ids=_id)
def test_list_pages_conform_and_bounds_hold(kling: Harness, op: Operation) -> None:
    top = op.endpoint.page_size_max
    cases = [
        ({"pageNum": 0}, False),
        ({"pageNum": 1}, True),
        ({"pageNum": 1000}, True),
        ({"pageNum": 1001}, False),
        ({"pageSize": 0}, False),
        ({"pageSize": 1}, True),
        ({"pageSize": top}, True),
        ({"pageSize": top + 1}, False),
    ]
    responses = []
    for params, allowed in cases:
        kling.recorder.requests += 1
        response = kling.target.request("GET", op.path, params=params)
        if allowed:
            checks.response_conforms(kling.ctx, op.endpoint.id, op, response)
        else:
            checks.error_conforms(kling.ctx, op.endpoint.id, response)
        responses.append((params, allowed, response))
    checks.paging_bounds(kling.ctx, op.endpoint.id, responses)


def test_account_costs(kling: Harness) -> None:
    op = next(o for o in REGISTRY if o.op_id == "account-costs.call")
    now_ms = int(kling.target.now_s() * 1000)
    kling.recorder.requests += 2
    ok = kling.target.request(
        "GET", op.path, params={"start_time": now_ms - 30 * 86_400_000, "end_time": now_ms}
    )
    checks.response_conforms(kling.ctx, "account-costs", op, ok)
    missing = {"end_time": now_ms}
    checks.invalid_rejected(
        kling.ctx,
        "account-costs",
        missing,
        kling.oracle.expect(op, missing),
        kling.target.request("GET", op.path, params=missing),
    )


def test_unknown_task_is_an_error_envelope(kling: Harness) -> None:
    kling.recorder.requests += 1
    response = kling.target.request("GET", "/v1/videos/text2video/100000000000000001")
    checks.error_conforms(kling.ctx, "text2video", response)
