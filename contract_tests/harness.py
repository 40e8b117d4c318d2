"""Everything a contract test needs, built once per session from the pytest options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contract_tests.checks import Context
from contract_tests.flows import CallbackReceiver, sender
from contract_tests.generation import KLING_SAMPLE_IMAGE, Generator, with_image_url
from contract_tests.objects import Objects
from contract_tests.oracle import Oracle
from contract_tests.profiles import PROFILES, Profile, TargetKind
from contract_tests.report import Recorder
from contract_tests.spend import SpendGuard
from contract_tests.targets import Target, make_target
from mock_server.spec.loader import load_spec
from mock_server.spec.registry import Registry
from mock_server.validation.references import References


@dataclass
class Options:
    target: TargetKind = "in-process"
    base_url: str | None = None
    allow_spend: int = 0
    profile: str = "ci"
    app: str = "mock_server.app:create_app"
    image_url: str = KLING_SAMPLE_IMAGE
    callbacks: bool = True  # start a loopback receiver and check what arrives
    expect_callbacks: bool = False  # a flow without any callback fails
    strict: bool = False


@dataclass
class Harness:
    options: Options
    registry: Registry
    target: Target
    oracle: Oracle
    generator: Generator
    guard: SpendGuard
    recorder: Recorder
    profile: Profile
    ctx: Context
    receiver: CallbackReceiver | None = None
    poll_interval: float = 0.25
    closers: list[Any] = field(default_factory=list)
    objects: Objects | None = None  # what bodies name by id, made once (objects.py)

    @property
    def expect_callbacks(self) -> bool:
        return self.options.expect_callbacks

    @property
    def derandomize(self) -> bool:
        return self.profile.name == "ci"

    def close(self) -> None:
        self.target.close()
        if self.receiver is not None:
            self.receiver.close()


def build(options: Options, recorder: Recorder | None = None) -> Harness:
    if options.profile not in PROFILES:
        raise ValueError(f"unknown profile {options.profile!r}; use one of {sorted(PROFILES)}")
    registry = Registry(load_spec())
    target = make_target(options.target, base_url=options.base_url, app_factory=options.app)
    target.api_key_paths = frozenset(
        path for op in registry if op.endpoint.design.auth == "api-key" for path in op.paths
    )
    recorder = recorder or Recorder()
    receiver = CallbackReceiver() if options.callbacks and options.target != "real" else None
    harness = Harness(
        options=options,
        registry=registry,
        target=target,
        oracle=Oracle(registry, strict=options.strict),
        generator=Generator(registry, image_url=options.image_url),
        guard=SpendGuard(registry, limited=options.target == "real", allowance=options.allow_spend),
        recorder=recorder,
        profile=PROFILES[options.profile],
        ctx=Context(registry, recorder, exact_errors=options.target != "real"),
        receiver=receiver,
    )
    harness.objects = _objects(harness)
    return harness


def _objects(harness: Harness) -> Objects:
    """Objects made through the target: on a fake for free, polled briefly (a manual clock
    jumps; a served fake runs fast); on real Kling only within the spending allowance,
    presets first, with the harness's image URL in every body."""
    target, real = harness.target, harness.options.target == "real"
    image = harness.options.image_url
    return Objects(
        harness.registry,
        References(harness.registry),
        sender(harness),
        target.wait,
        lambda: int(target.now_s() * 1000),
        step_s=2.0 if target.has_clock else (5.0 if real else 0.1),
        may_make=harness.guard.allow_setup,
        presets_first=real,
        prepare_body=lambda ep, body: (
            with_image_url(harness.registry, ep, body, image) if real else body
        ),
    )
