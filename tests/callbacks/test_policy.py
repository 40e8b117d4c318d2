"""Callback policy: defaults, checked values, the backoff formula and the seeded jitter."""

from __future__ import annotations

import random
from typing import Any

import pytest

from mock_server.callbacks.policy import CallbackEffect, CallbackPolicy


def test_defaults() -> None:
    policy = CallbackPolicy()
    assert (policy.attempts, policy.base_delay_s, policy.max_delay_s) == (5, 1.0, 60.0)
    assert (policy.timeout_s, policy.concurrency, policy.jitter) == (10.0, 8, 0.1)
    assert policy.statuses == {"submitted", "processing", "succeed", "failed"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("attempts", 0, "attempts must be a whole number >= 1"),
        ("attempts", 2.5, "attempts must be a whole number >= 1"),
        ("concurrency", 0, "concurrency must be a whole number >= 1"),
        ("base_delay_s", -1, "base_delay_s must be a finite number >= 0"),
        ("max_delay_s", 0.5, r"max_delay_s \(0.5\) is below base_delay_s \(1.0\)"),
        ("timeout_s", 0, "timeout_s must be a finite number > 0"),
        ("timeout_s", float("inf"), "timeout_s must be a finite number > 0"),
        ("jitter", -0.1, "jitter must be a finite number >= 0"),
        ("jitter", 1.0, "jitter must be below 1"),
        ("statuses", {"succeeded"}, r"statuses \['succeeded'\] are not task statuses"),
        ("statuses", "succeed", "a collection of statuses, not one string"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(field: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CallbackPolicy(**{field: value})


def test_statuses_become_a_frozenset() -> None:
    assert CallbackPolicy(statuses=["succeed", "failed"]).statuses == {"succeed", "failed"}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("attempt", "delay"), [(1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0), (7, 60.0), (20, 60.0)]
)
def test_backoff_doubles_up_to_the_cap(attempt: int, delay: float) -> None:
    assert CallbackPolicy().delay_s(attempt) == delay


def test_jitter_factors_come_from_the_seeded_stream_within_bounds() -> None:
    policy = CallbackPolicy(attempts=6, jitter=0.25)
    factors = policy.jitter_factors(random.Random(3))
    replay = random.Random(3)
    assert factors == tuple(1 + replay.uniform(-0.25, 0.25) for _ in range(5))
    assert all(0.75 <= f <= 1.25 for f in factors)


def test_effect_delay_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="delay_s must be a finite number >= 0"):
        CallbackEffect(delay_s=-1)
