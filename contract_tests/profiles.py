"""How hard the suite tries, and where it may run. Light on purpose: the ``kling-mock`` CLI
imports this module for its choices without importing the harness or its extras."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TargetKind = Literal["in-process", "url", "real"]
TARGET_KINDS: tuple[TargetKind, ...] = ("in-process", "url", "real")


@dataclass(frozen=True)
class Profile:
    name: str
    positive_examples: int  # generated valid bodies per endpoint
    negative_examples: int  # generated invalid bodies per endpoint
    poll_timeout_s: float  # how long a flow polls a target that has no clock to advance


PROFILES = {
    "smoke": Profile("smoke", positive_examples=2, negative_examples=3, poll_timeout_s=60),
    "ci": Profile("ci", positive_examples=10, negative_examples=15, poll_timeout_s=60),
    "dev": Profile("dev", positive_examples=30, negative_examples=50, poll_timeout_s=120),
    "thorough": Profile(
        "thorough", positive_examples=200, negative_examples=400, poll_timeout_s=900
    ),
}
