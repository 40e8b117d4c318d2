"""Fault rules on their own: each match key, each condition, how effects combine, ids and
counters, protected paths, and the seeded stream (no HTTP here: see test_middleware.py)."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server.callbacks.policy import CallbackEffect
from mock_server.simulation.rules import Facts, FaultDecision, Match, Rule, RuleSet, glob

CREATE = Facts("POST", "/v1/videos/text2video", "text2video", "video", "create")
GET = Facts("GET", "/v1/videos/text2video/42", "text2video", "video", "get")
IMAGE = Facts("POST", "/v1/images/generations", "image-generations", "image", "create")


def facts(**changes: Any) -> Facts:
    return Facts(**{**CREATE.__dict__, **changes})


@pytest.mark.parametrize(
    ("match", "hit", "miss"),
    [
        ({"method": "POST"}, CREATE, GET),
        ({"path": "/v1/videos/text2video"}, CREATE, GET),
        ({"path": "/v1/videos/*"}, GET, IMAGE),
        ({"path": "*/42"}, GET, CREATE),
        ({"endpoint": "text2video"}, GET, IMAGE),
        ({"family": "image"}, IMAGE, CREATE),
        ({"action": "get"}, GET, CREATE),
        ({"account": "team-a"}, facts(account="team-a"), facts(account="team-b")),
        ({"account": "team-a"}, facts(account="team-a"), facts(account=None)),
        ({"body": {"model_name": "kling-v3"}}, facts(body={"model_name": "kling-v3"}), CREATE),
        (
            {"body": {"model_name": "kling-v3"}},
            facts(body={"model_name": "kling-v3", "prompt": "x"}),
            facts(body={"model_name": "kling-v2-6"}),
        ),
        (
            {"body": {"prompt": {"contains": "cat"}}},
            facts(body={"prompt": "a black cat"}),
            facts(body={"prompt": "a dog"}),
        ),
        (
            {"body": {"prompt": {"contains": "1"}}},
            facts(body={"prompt": "1"}),
            facts(body={"prompt": 1}),
        ),
        ({"body": {"n": 2}}, facts(body={"n": 2.0}), facts(body={"n": "2"})),
        ({"body": {"sound": True}}, facts(body={"sound": True}), facts(body={"sound": 1})),
        (
            {"body": {"o": {"a": [1, True]}}},
            facts(body={"o": {"a": [1, True]}}),
            facts(body={"o": {"a": [1, 1]}}),
        ),
        ({"body": {"n": 1}}, facts(body={"n": 1}), facts(body=[{"n": 1}])),
        (
            {"method": "POST", "family": "video", "body": {"prompt": {"contains": "cat"}}},
            facts(body={"prompt": "cat"}),
            facts(family="image", body={"prompt": "cat"}),
        ),
    ],
)
def test_each_match_key_must_hold(match: dict[str, Any], hit: Facts, miss: Facts) -> None:
    parsed = Match.parse(match)
    assert parsed.holds(hit)
    assert not parsed.holds(miss)


def test_an_empty_match_holds_for_every_request() -> None:
    assert all(Match.parse({}).holds(f) for f in (CREATE, GET, IMAGE))


@pytest.mark.parametrize(
    ("match", "needs"),
    [
        ({}, set()),
        ({"account": "a"}, {"account"}),
        ({"body": {"n": 1}, "account": "a"}, {"account", "body"}),
    ],
)
def test_account_and_body_are_looked_up_only_when_a_rule_reads_them(
    match: dict[str, Any], needs: set[str]
) -> None:
    assert Match.parse(match).needs == needs


def test_glob_star_spans_slashes_and_the_rest_is_literal() -> None:
    assert glob("/v1/*/text2video").fullmatch("/v1/videos/x/text2video")
    assert not glob("/v1/images/generations?").fullmatch("/v1/images/generationsX")
    assert glob("/a.b").fullmatch("/a.b") and not glob("/a.b").fullmatch("/aXb")


def fired(rules: RuleSet, times: int, on: Facts = CREATE) -> list[bool]:
    out = []
    for _ in range(times):
        matching = [r for r in rules.candidates(on.path) if r.match.holds(on)]
        out.append(bool(rules.fire(matching).rules))
    return out


def ruleset(*raws: dict[str, Any], seed: int = 7) -> RuleSet:
    rules = RuleSet(seed)
    rules.add(raws, "runtime")
    return rules


ERROR = {"error": {"code": 5000}}


@pytest.mark.parametrize(
    ("when", "pattern"),
    [
        ({}, [True] * 6),
        ({"probability": 0}, [False] * 6),
        ({"probability": 1}, [True] * 6),
        ({"every": 3}, [False, False, True, False, False, True]),
        ({"times": 2}, [True, True, False, False, False, False]),
        ({"every": 2, "times": 2}, [False, True, False, True, False, False]),
    ],
)
def test_when_decides_which_matching_requests_are_faulted(
    when: dict[str, Any], pattern: list[bool]
) -> None:
    assert fired(ruleset({"when": when, "effect": ERROR}), 6) == pattern


def test_a_spent_rule_is_no_longer_a_candidate_but_is_still_listed() -> None:
    rules = ruleset({"id": "twice", "when": {"times": 2}, "effect": ERROR})
    fired(rules, 3)
    assert rules.candidates(CREATE.path) == []
    [row] = rules.describe()
    assert (row["id"], row["hits"], row["matched"], row["spent"]) == ("twice", 2, 2, True)


def test_probability_is_seeded_and_roughly_right() -> None:
    rule = {"when": {"probability": 0.3}, "effect": ERROR}
    first = fired(ruleset(rule, seed=11), 400)
    assert first == fired(ruleset(rule, seed=11), 400)
    assert first != fired(ruleset(rule, seed=12), 400)
    assert 80 < sum(first) < 160


def test_requests_no_rule_matches_draw_nothing() -> None:
    rule = {"match": {"family": "video"}, "when": {"probability": 0.5}, "effect": ERROR}
    alone, mixed = ruleset(rule), ruleset(rule)
    plain = fired(alone, 50)
    interleaved = []
    for _ in range(50):
        fired(mixed, 2, on=IMAGE)  # matched by no rule
        interleaved += fired(mixed, 1)
    assert plain == interleaved


def outcome(*raws: dict[str, Any]) -> Any:
    rules = ruleset(*raws)
    return rules.fire(rules.candidates(CREATE.path))


def test_latencies_add_up_and_a_range_is_drawn_within_it() -> None:
    out = outcome({"effect": {"latency_ms": 100}}, {"effect": {"latency_ms": {"min": 5, "max": 9}}})
    assert 105 <= out.latency_ms <= 109


def test_the_first_rule_that_answers_decides_the_answer() -> None:
    out = outcome(
        {"id": "slow", "effect": {"latency_ms": 10}},
        {"id": "busy", "effect": {"error": {"code": 1303, "message": "m"}}},
        {"id": "drop", "effect": {"drop_connection": True}},
        {"id": "html", "effect": {"malformed_body": "html"}},
    )
    assert out.rules == ["slow", "busy", "drop", "html"]
    assert (out.error, out.drop_connection, out.malformed_body) == ((1303, "m", None), False, None)
    dropped = outcome({"effect": {"drop_connection": True}}, {"effect": ERROR})
    assert dropped.drop_connection and dropped.error is None


def test_task_effects_become_one_fault_decision() -> None:
    out = outcome(
        {"id": "a", "effect": {"task_fails": {}}},
        {"id": "b", "effect": {"task_fails": {"message": "later"}, "callback": {"delay_s": 2}}},
        {"id": "c", "effect": {"callback": {"drop": True, "delay_s": 3}}},
    )
    assert out.decision == FaultDecision(
        task_failure="Failure to pass the risk control system",
        callback_effect=CallbackEffect(drop=True, delay_s=5),
        rules=("a", "b", "c"),
    )


def test_no_rule_fired_means_no_decision() -> None:
    assert outcome({"when": {"probability": 0}, "effect": ERROR}).decision is None


def test_ids_are_given_generated_or_taken_from_the_scenario() -> None:
    rules = RuleSet(1)
    assert rules.add([{"effect": ERROR}, {"id": "mine", "effect": ERROR}], "runtime") == [
        "rule-1",
        "mine",
    ]
    assert rules.add([{"effect": ERROR}, {"effect": ERROR}], "runtime") == ["rule-2", "rule-3"]
    assert rules.add([{"effect": ERROR}], "startup", "boot") == ["boot-1"]


def test_a_duplicate_id_adds_nothing() -> None:
    rules = ruleset({"id": "x", "effect": ERROR})
    with pytest.raises(KeyError, match="x"):
        rules.add([{"id": "y", "effect": ERROR}, {"id": "x", "effect": ERROR}], "runtime")
    assert [r["id"] for r in rules.describe()] == ["x"]


def test_remove_and_clear_runtime() -> None:
    rules = RuleSet(1)
    rules.add([{"id": "boot", "effect": ERROR}], "startup")
    rules.add([{"id": "a", "effect": ERROR}, {"id": "b", "effect": ERROR}], "runtime")
    assert rules.remove("a") and not rules.remove("a")
    assert rules.clear_runtime() == ["b"]
    assert [r["source"] for r in rules.describe()] == ["startup"]


def test_header_rules_are_compiled_once_and_keep_their_counters() -> None:
    rules = RuleSet(1)
    raws = [{"id": "third", "when": {"every": 3}, "effect": ERROR}]
    first = rules.header_rules("demo", raws)
    assert rules.header_rules("demo", raws) is first
    assert first[0].id == "header:third" and first[0].source == "header"
    hits = [bool(rules.fire(rules.candidates(CREATE.path, first)).rules) for _ in range(3)]
    assert hits == [False, False, True]
    assert rules.candidates(CREATE.path) == []  # not active without the header


@pytest.mark.parametrize(
    ("path", "pattern", "applies"),
    [
        ("/__mock/health", None, False),
        ("/__mock/health", "*", False),
        ("/__mock/health", "/__mock/health", True),
        ("/__mock/health", "/__mock/*", True),
        ("/media/v/1.mp4", "/media/*", True),
        ("/media/v/1.mp4", "/*", False),
        ("/openapi.json", None, False),
        ("/v1/videos/text2video", None, True),
        ("/v1/videos/text2video", "*", True),
    ],
)
def test_the_fakes_own_paths_are_faulted_only_when_a_rule_names_them(
    path: str, pattern: str | None, applies: bool
) -> None:
    match = {} if pattern is None else {"path": pattern}
    rules = ruleset({"match": match, "effect": ERROR})
    assert bool(rules.candidates(path)) is applies


def test_describe_shows_the_rule_as_given() -> None:
    raw = {"id": "r", "match": {"action": "create"}, "when": {"times": 1}, "effect": ERROR}
    rules = RuleSet(1)
    rules.add([raw], "runtime", "demo")
    assert rules.describe() == [
        {
            "id": "r",
            "source": "runtime",
            "scenario": "demo",
            "hits": 0,
            "matched": 0,
            "spent": False,
            "match": {"action": "create"},
            "when": {"times": 1},
            "effect": ERROR,
        }
    ]


def test_a_rule_keeps_its_raw_form_apart_from_its_parsed_parts() -> None:
    rule = Rule("r", "runtime", {"effect": {"latency_ms": 5, "task_fails": {"message": "m"}}})
    assert rule.effect.latency_ms == (5.0, 5.0) and rule.effect.task_failure == "m"
