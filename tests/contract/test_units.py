"""The harness's pieces on their own: oracle, mutations, checks, targets, report."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from contract_tests import checks
from contract_tests.mutations import mutations, recorded
from contract_tests.oracle import Oracle
from contract_tests.report import Recorder
from contract_tests.spend import minimal_body
from contract_tests.targets import TargetError, load_app_factory, remote
from mock_server.spec.loader import load_spec
from mock_server.spec.registry import Registry
from mock_server.validation.images import BASE64_MESSAGE

REGISTRY = Registry(load_spec())
ORACLE = Oracle(REGISTRY)
T2V = next(op for op in REGISTRY if op.op_id == "text2video.create")
T2V_GET = next(op for op in REGISTRY if op.op_id == "text2video.get")


@pytest.mark.parametrize(
    ("body", "code", "field", "keyword"),
    [
        ({"prompt": "a fox"}, 0, "", ""),
        ({"prompt": "a fox", "duration": "7"}, 1201, "duration", "if"),
        ({"prompt": "a fox", "mode": "fast"}, 1201, "mode", "enum"),
        ({"prompt": "a fox", "model_name": "kling-v9"}, 1203, "model_name", "enum"),
        ({}, 1201, "prompt", "if"),  # prompt is required by a conditional rule
        (["not", "an", "object"], 1200, "", "type"),
    ],
)
def test_oracle_predicts_code_field_and_keyword(
    body: object, code: int, field: str, keyword: str
) -> None:
    expected = ORACLE.expect(T2V, body)
    assert (expected.code, expected.field, expected.keyword) == (code, field, keyword)


def test_mutations_break_one_declared_constraint_each() -> None:
    found = {m.name: m.body for m in mutations(REGISTRY, "text2video", minimal_body("text2video"))}
    for name in (
        "duration: enum",
        "prompt: maxLength",
        "cfg_scale: maximum",
        "cfg_scale: minimum",
        "aspect_ratio: enum",
        "prompt: type",
    ):
        assert name in found, sorted(found)
        assert not ORACLE.expect(T2V, found[name]).accepted, name


@pytest.mark.parametrize(
    ("endpoint", "name", "code", "field", "message"),
    [
        ("text2video", "duration: enum", 1201, "duration", ""),
        ("text2video", "cfg_scale: maximum", 1201, "cfg_scale", ""),
        ("text2video", "model_name: enum", 1203, "model_name", ""),  # its x-kling-code
        ("image-generations", "prompt: required", 1201, "prompt", ""),
        ("text2video", "body: type", 1200, "", ""),
        ("text2video", "body: json", 1200, "", ""),
        ("image-generations", "image: x-kling-image", 1201, "image", BASE64_MESSAGE),
    ],
)
def test_mutation_expectations_come_from_the_schema_keyword(
    endpoint: str, name: str, code: int, field: str, message: str
) -> None:
    found = {m.name: m for m in mutations(REGISTRY, endpoint, minimal_body(endpoint))}
    expected = found[name].expected
    assert (expected.code, expected.field, expected.source) == (code, field, "schema")
    assert expected.verbatim == bool(message) and (not message or expected.message == message)


def test_recorded_examples_carry_their_recorded_answer() -> None:
    cases = {m.name: m.expected for m in recorded("text2video")}
    summed = cases["example: multi_prompt durations do not sum to duration"]
    assert (summed.code, summed.field, summed.source) == (1201, "multi_prompt", "example")
    retired = cases["example: kling-v1 discontinued (--errors live, live-behaviour.md A.2 #12)"]
    assert retired.verbatim and "discontinued" in retired.message
    assert len(recorded("text2video", strict=True)) > len(cases)


def _response(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_response_conforms_wants_kling_success_wording() -> None:
    ctx = checks.Context(REGISTRY, Recorder())
    good = {
        "code": 0,
        "message": "SUCCEED",
        "request_id": "1b4e28ba-2fa1-4d2f-8b3c-1a2b3c4d5e6f",
        "data": {
            "task_id": "123456789012345678",
            "task_status": "submitted",
            "task_info": {},
            "created_at": 1,
            "updated_at": 1,
        },
    }
    assert checks.response_conforms(ctx, "text2video", T2V, _response(200, good))
    with pytest.raises(checks.CheckFailure, match="response_conforms"):
        checks.response_conforms(ctx, "text2video", T2V, _response(200, {**good, "message": "OK"}))
    assert ctx.recorder.outcomes[("text2video", "response_conforms")] == [1, 1]


def test_lifecycle_check_refuses_going_back_and_unknown_words() -> None:
    ctx = checks.Context(REGISTRY, Recorder())
    seen = [
        {"task_status": s, "created_at": 1, "updated_at": i}
        for i, s in enumerate(["submitted", "processing", "succeed"])
    ]
    checks.lifecycle_monotonic(ctx, "x", seen)
    with pytest.raises(checks.CheckFailure, match="sequence"):
        checks.lifecycle_monotonic(ctx, "x", [seen[1], seen[0], seen[2]])
    with pytest.raises(checks.CheckFailure, match="succeeded"):
        checks.lifecycle_monotonic(ctx, "x", [seen[0], {**seen[2], "task_status": "succeeded"}])


def test_query_equals_list_names_the_differing_fields() -> None:
    ctx = checks.Context(REGISTRY, Recorder())
    task = {"task_id": "1", "task_status": "succeed", "updated_at": 5}
    checks.query_equals_list(ctx, "x", task, [task])
    with pytest.raises(checks.CheckFailure, match="updated_at"):
        checks.query_equals_list(ctx, "x", task, [{**task, "updated_at": 6}])


def test_invalid_rejected_refuses_acceptance_and_wrong_codes() -> None:
    ctx = checks.Context(REGISTRY, Recorder())
    expected = ORACLE.expect(T2V, {"prompt": "a", "mode": "fast"})
    accepted = _response(200, {"code": 0, "message": "SUCCEED", "request_id": "x", "data": {}})
    with pytest.raises(checks.CheckFailure, match="accepted a body"):
        checks.invalid_rejected(ctx, "x", {}, expected, accepted)
    wrong = _response(
        400,
        {"code": 1200, "message": "mode bad", "request_id": "1b4e28ba-2fa1-4d2f-8b3c-1a2b3c4d5e6f"},
    )
    with pytest.raises(checks.CheckFailure, match="expected code 1201"):
        checks.invalid_rejected(ctx, "x", {}, expected, wrong)
    verbatim = dataclasses.replace(expected, message=BASE64_MESSAGE, verbatim=True)
    named = _response(
        400,
        {
            "code": 1201,
            "message": "mode: bad",
            "request_id": "1b4e28ba-2fa1-4d2f-8b3c-1a2b3c4d5e6f",
        },
    )
    with pytest.raises(checks.CheckFailure, match="want 'File is not"):
        checks.invalid_rejected(ctx, "x", {}, verbatim, named)


def test_targets_refuse_unusable_configuration() -> None:
    with pytest.raises(TargetError, match="--kling-base-url"):
        remote("url", None, environ={})
    with pytest.raises(TargetError, match="KLING_ACCESS_KEY"):
        remote("real", None, environ={})
    with pytest.raises(TargetError, match=r"package\.module:factory"):
        load_app_factory("no-colon")


def test_report_lists_checks_codes_and_keywords() -> None:
    recorder = Recorder()
    recorder.record("text2video", "valid_accepted", True)
    recorder.record("text2video", "invalid_rejected", False)
    recorder.saw(1201)
    recorder.keywords["enum"] += 1
    text = "\n".join(recorder.lines(REGISTRY))
    assert "ok 1" in text and "FAIL 1" in text and "1201 x1" in text
    assert "enum" in text.split("schema keywords")[1]
    recorder.judged("schema", "enum")
    recorder.judged("validator")
    text = "\n".join(recorder.lines(REGISTRY))
    assert "independent evidence: 1/2 judged bodies (schema keyword 1" in text
    assert recorder.failed == 1


def test_image_inputs_are_found_through_the_schema() -> None:
    from contract_tests.generation import with_image_url

    body = {
        "image": "https://example.com/x.jpg",
        "image_tail": "https://example.com/y.png",
        "prompt": "https://example.com/not-an-image-field.png",
    }
    swapped = with_image_url(REGISTRY, "image2video", body, "https://kling.test/i.png")
    assert swapped == {
        **body,
        "image": "https://kling.test/i.png",
        "image_tail": "https://kling.test/i.png",
    }
    nested = {"image_list": [{"image": "a"}, {"image": "b"}], "prompt": "p"}
    out = with_image_url(REGISTRY, "multi-image2video", nested, "u")
    assert out["image_list"] == [{"image": "u"}, {"image": "u"}]
