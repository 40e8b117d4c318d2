"""Where the contract suite sends its requests, and how it gets a valid token there.

- ``in-process``: a fresh fake (or any ASGI app factory) on a manual clock, through
  ``httpx.ASGITransport``; flows advance the clock instead of waiting.
- ``url``: anything at ``--kling-base-url`` (e.g. ``kling-mock serve``); flows poll.
- ``real``: Kling itself, credentials from ``KLING_ACCESS_KEY`` / ``KLING_SECRET_KEY`` (and
  ``KLING_API_KEY`` for the model-path design); flows poll, and billable requests go through
  the spending guard.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from contract_tests.profiles import TargetKind
from mock_server.asgi_bridge import AsgiBridge
from mock_server.auth import mint_token
from mock_server.settings import Settings
from mock_server.tasks.clock import ManualClock

REAL_BASE_URL = "https://api-singapore.klingai.com"
IN_PROCESS_BASE_URL = "http://kling-mock.in-process"


class TargetError(Exception):
    """The target cannot be used as configured (missing URL or credentials)."""


@dataclass
class Target:
    kind: TargetKind
    base_url: str
    access_key: str
    secret_key: str = field(repr=False)
    client: httpx.Client = field(repr=False)
    clock: ManualClock | None = None  # only in-process targets can be fast-forwarded
    closers: list[Callable[[], None]] = field(default_factory=list, repr=False)
    api_key: str | None = field(default=None, repr=False)  # the model-path design's credential
    api_key_paths: frozenset[str] = frozenset()  # paths that take only the API key (harness.py)

    @property
    def has_clock(self) -> bool:
        return self.clock is not None

    def now_s(self) -> float:
        return self.clock.now_ms() / 1000 if self.clock else time.time()

    def token(self) -> str:
        return mint_token(self.access_key, self.secret_key, self.now_s())

    def request(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        credential = self.api_key if path in self.api_key_paths else None
        all_headers = {"Authorization": f"Bearer {credential or self.token()}"} if auth else {}
        all_headers.update(headers or {})
        return self.client.request(method, path, headers=all_headers, **kwargs)

    def wait(self, seconds: float) -> None:
        """Let time pass: advance the manual clock, or really sleep against a remote target."""
        if self.clock is not None:
            self.clock.advance(seconds)
        else:
            time.sleep(seconds)

    def close(self) -> None:
        self.client.close()
        for closer in self.closers:
            closer()


def load_app_factory(spec: str) -> Callable[..., Any]:
    """``package.module:function`` -> the function (called as ``f(settings, clock=clock)``)."""
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise TargetError(f"--kling-app must look like 'package.module:factory', got {spec!r}")
    factory: Callable[..., Any] = getattr(importlib.import_module(module), attr)
    return factory


def in_process(app_factory: str = "mock_server.app:create_app") -> Target:
    # The suite checks contracts, not limits: it leaves many tasks running on a stopped clock.
    # References are checked: the harness makes the objects bodies name first (objects.py).
    # It spends far beyond any pack, so packs do not refuse it (1102; tests/simulation covers
    # that).
    settings = Settings(
        clock="manual", concurrency="off", check_references=True, check_balance=False
    )
    clock = ManualClock()
    app = load_app_factory(app_factory)(settings, clock=clock)
    # Run the app's lifespan (worker, callback sender) when it has one, as a server would.
    bridge = AsgiBridge(app, lifespan=hasattr(app, "router"))
    client = httpx.Client(
        transport=httpx.MockTransport(bridge), base_url=IN_PROCESS_BASE_URL, timeout=30
    )
    return Target(
        "in-process",
        IN_PROCESS_BASE_URL,
        settings.access_key,
        settings.secret_key,
        client,
        clock=clock,
        closers=[bridge.close],
        api_key=settings.api_key,
    )


def remote(kind: TargetKind, base_url: str | None, environ: dict[str, str] | None = None) -> Target:
    env = os.environ if environ is None else environ
    if kind == "real":
        base_url = base_url or REAL_BASE_URL
        access, secret = env.get("KLING_ACCESS_KEY"), env.get("KLING_SECRET_KEY")
        if not access or not secret:
            raise TargetError("the real target needs KLING_ACCESS_KEY and KLING_SECRET_KEY")
        api_key = env.get("KLING_API_KEY")  # the model-path design needs it (else: skipped)
    else:
        if not base_url:
            raise TargetError("the url target needs --kling-base-url")
        defaults = Settings()
        access = env.get("KLING_ACCESS_KEY") or defaults.access_key
        secret = env.get("KLING_SECRET_KEY") or defaults.secret_key
        api_key = env.get("KLING_API_KEY") or defaults.api_key
    base_url = base_url.rstrip("/")
    probe(base_url)
    client = httpx.Client(base_url=base_url, timeout=60)
    return Target(kind, base_url, access, secret, client, api_key=api_key)


def probe(base_url: str, timeout_s: float = 5.0) -> None:
    """Fail in seconds with one line when nothing answers at ``base_url`` (any HTTP status
    will do: only a server that cannot be reached stops the run)."""
    try:
        httpx.get(base_url + "/", timeout=timeout_s)
    except httpx.InvalidURL as exc:
        raise TargetError(f"{base_url} is not a valid URL ({exc})") from None
    except httpx.TransportError as exc:
        reason = str(exc) or type(exc).__name__
        raise TargetError(f"nothing answers at {base_url} ({reason})") from None


def make_target(
    kind: TargetKind,
    *,
    base_url: str | None = None,
    app_factory: str = "mock_server.app:create_app",
) -> Target:
    if kind == "in-process":
        return in_process(app_factory)
    return remote(kind, base_url)
