"""Every option of the fake in one table: name, type, default, environment variable, help.

The CLI is derived from this table; ``Settings.check()`` refuses bad values with a clear
message before anything starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from mock_server.accounts import (
    DEFAULT_ACCESS_KEY,
    DEFAULT_API_KEY,
    DEFAULT_SECRET_KEY,
    Account,
    load_accounts,
)
from mock_server.answers import ERRORS_MODES, ErrorsMode
from mock_server.callbacks.policy import CallbackPolicy
from mock_server.callbacks.signing import parse_secret
from mock_server.simulation.quotas import parse_concurrency
from mock_server.simulation.scenarios import load as load_scenario
from mock_server.tasks.clock import CLOCK_MODES, ClockMode, SimClock, parse_start


def _opt(default: Any, env: str, help: str, **extra: Any) -> Any:
    return field(default=default, metadata={"env": env, "help": help, **extra})


@dataclass
class Settings:
    host: str = _opt(
        "127.0.0.1",
        "KLING_MOCK_HOST",
        "Interface to bind. Loopback by default; use 0.0.0.0 only on a trusted network.",
    )
    port: int = _opt(8000, "KLING_MOCK_PORT", "TCP port to listen on (0 picks a free one).")
    access_key: str = _opt(
        DEFAULT_ACCESS_KEY, "KLING_ACCESS_KEY", "Access key of the default account (the JWT 'iss')."
    )
    secret_key: str = _opt(
        DEFAULT_SECRET_KEY,
        "KLING_SECRET_KEY",
        "Secret key of the default account (signs the JWT).",
        secret=True,
    )
    api_key: str | None = _opt(
        DEFAULT_API_KEY,
        "KLING_API_KEY",
        "Plain API key of the default account (the model-path design takes only this; the "
        "legacy /v1 paths take it or a JWT). Empty: JWT only.",
        secret=True,
    )
    accounts_file: Path | None = _opt(
        None,
        "KLING_MOCK_ACCOUNTS",
        "JSON or TOML file with several accounts; replaces the default account.",
    )
    speed: float = _opt(
        1.0,
        "KLING_MOCK_SPEED",
        "Lifecycle speed factor: 2 makes every task twice as fast, 0.5 half.",
    )
    seed: int | None = _opt(
        None,
        "KLING_MOCK_SEED",
        "Seed for every id and every random choice; repeat a run exactly with the same seed. "
        "Without one, a fresh seed is drawn at start-up (shown in the banner), so ids never "
        "repeat across restarts.",
    )
    clock: ClockMode = _opt(
        "system",
        "KLING_MOCK_CLOCK",
        "'system' (wall time), 'scaled' (time runs --clock-speed times as fast) or 'manual' "
        "(time stands still until moved, e.g. through the control API).",
        choices=CLOCK_MODES,
    )
    clock_start: str | None = _opt(
        None,
        "KLING_MOCK_CLOCK_START",
        "Start time of a manual or scaled clock: Unix ms or ISO 8601 (e.g. "
        "2026-01-01T00:00:00Z). Default: the current wall time, so tokens clients mint from "
        "their own clock are valid.",
    )
    clock_speed: float = _opt(
        1.0, "KLING_MOCK_CLOCK_SPEED", "How many times faster a scaled clock runs."
    )
    concurrency: str = _opt(
        "video=5,image=9,try-on=5",
        "KLING_MOCK_CONCURRENCY",
        "Concurrent task slots per pool and account, as pool=N,...; 'off' for no limit. A "
        "create beyond it gets 429/1303. Kling's trial packs: 5 video slots, 9 image slots.",
    )
    concurrency_scope: str = _opt(
        "pool",
        "KLING_MOCK_CONCURRENCY_SCOPE",
        "'pool': one quota per account and pool; 'model': per account, pool and model "
        "version, as Kling's 2026-09 docs word it (whether the live service does is unknown).",
        choices=("model", "pool"),
    )
    rate_limit: float | None = _opt(
        None,
        "KLING_MOCK_RATE_LIMIT",
        "Requests per second per account before 429/1302 (Kling documents no number; off by "
        "default).",
    )
    scenario: Path | None = _opt(
        None,
        "KLING_MOCK_SCENARIO",
        "JSON file of fault rules applied from start-up (and after each reset); see "
        "'kling-mock scenarios' for the named ones shipped with the fake.",
    )
    webhook_secret: str | None = _opt(
        None,
        "KLING_MOCK_WEBHOOK_SECRET",
        "Sign every callback (webhook-id, webhook-timestamp, webhook-signature headers, the "
        "Standard Webhooks scheme Kling uses) with this whsec_<base64> secret.",
        secret=True,
    )
    callback_statuses: str = _opt(
        "submitted,processing,succeed,failed",
        "KLING_MOCK_CALLBACK_STATUSES",
        "Task statuses that are called back (Kling: 'whenever the task status changes'; "
        "whether 'submitted' is sent is undocumented).",
    )
    callback_attempts: int = _opt(
        5, "KLING_MOCK_CALLBACK_ATTEMPTS", "Attempts per callback before giving up."
    )
    callback_base_delay: float = _opt(
        1.0,
        "KLING_MOCK_CALLBACK_BASE_DELAY",
        "Seconds before the first retry; doubled each retry (with +-10% seeded jitter).",
    )
    callback_max_delay: float = _opt(
        60.0, "KLING_MOCK_CALLBACK_MAX_DELAY", "Longest wait between two attempts, in seconds."
    )
    callback_timeout: float = _opt(
        10.0, "KLING_MOCK_CALLBACK_TIMEOUT", "Seconds one attempt may take (real time)."
    )
    control_token: str | None = _opt(
        None,
        "KLING_MOCK_CONTROL_TOKEN",
        "Require this token (header X-Kling-Mock-Token) on the /__mock/ control API and "
        "accept it from any address. Without it the control API answers loopback clients only.",
        secret=True,
    )
    report_on_exit: bool = _opt(
        False,
        "KLING_MOCK_REPORT_ON_EXIT",
        "Print the client-behaviour report (GET /__mock/report) as JSON when the server stops.",
    )
    journal_size: int = _opt(
        10_000,
        "KLING_MOCK_JOURNAL_SIZE",
        "Rows kept in the request journal and in the callback journal (oldest dropped first).",
    )
    max_tasks: int = _opt(
        100_000,
        "KLING_MOCK_MAX_TASKS",
        "Tasks kept in memory; past it each new task evicts the oldest finished one with its "
        "files and video ids (0: no cap). About 3 KB a finished minimal task.",
    )
    fail_rate: float = _opt(
        0.0,
        "KLING_MOCK_FAIL_RATE",
        "Probability (0..1, seeded) that a task without a failure marker fails anyway.",
    )
    strict: bool = _opt(
        False,
        "KLING_MOCK_STRICT",
        "Reject unknown fields and what official examples send against the stated rules.",
    )
    errors: ErrorsMode = _opt(
        "live",
        "KLING_MOCK_ERRORS",
        "'live': answer as the live service was seen to (2026-09: unknown task 400/1201, delete "
        "replies without data, ...); 'documented': as Kling's docs say (unknown task 404/1203, "
        "delete replies with data).",
        choices=ERRORS_MODES,
    )
    check_references: bool = _opt(
        True,
        "KLING_MOCK_CHECK_REFERENCES",
        "Refuse (1201) ids a request names (video_id, audio_id, element_id, voice_id, "
        "session_id, face_id) that are not presets or live objects the fake made for the account.",
    )
    check_balance: bool = _opt(
        True,
        "KLING_MOCK_CHECK_BALANCE",
        "Refuse (1102) a create whose units the account's packs (or cash) cannot pay. Charges "
        "are still recorded; the contract suite turns it off (it spends far beyond any pack).",
    )
    max_body_bytes: int = _opt(
        64 * 1024 * 1024,
        "KLING_MOCK_MAX_BODY_BYTES",
        "Largest request body accepted; checked before it is read whole.",
    )
    jwt_leeway: float = _opt(
        5.0, "KLING_MOCK_JWT_LEEWAY", "Seconds of clock skew tolerated on a JWT's nbf and exp."
    )
    public_base_url: str | None = _opt(
        None,
        "KLING_MOCK_PUBLIC_BASE_URL",
        "Base of result URLs (e.g. https://kling.test); by default the host the client used.",
    )
    body_timeout: float = _opt(
        30.0,
        "KLING_MOCK_BODY_TIMEOUT",
        "Seconds a request body may take to arrive in full; a stalled client gets 1200.",
    )
    max_string_chars: int = _opt(
        10_000,
        "KLING_MOCK_MAX_STRING_CHARS",
        "Longest string accepted where the schema sets no limit (unknown fields, URLs, ids).",
    )
    max_unknown_fields: int = _opt(
        100,
        "KLING_MOCK_MAX_UNKNOWN_FIELDS",
        "Most undeclared fields one request may carry (counting what they hold); lenient mode.",
    )
    header_timeout: float = _opt(
        10.0,
        "KLING_MOCK_HEADER_TIMEOUT",
        "Seconds a connection may take to send a whole request head (slow clients are closed).",
    )
    log_level: str = _opt(
        "info",
        "KLING_MOCK_LOG_LEVEL",
        "uvicorn log level.",
        choices=("critical", "error", "warning", "info", "debug"),
    )
    tls: bool = _opt(
        False,
        "KLING_MOCK_TLS",
        "Serve HTTPS with a certificate from a local CA made at start-up (for clients that accept "
        "only https:// base URLs); the CA goes to --tls-ca-file for the client to trust. Needs "
        "the 'tls' extra (trustme).",
    )
    tls_ca_file: Path = _opt(
        Path("kling-mock-ca.pem"),
        "KLING_MOCK_TLS_CA_FILE",
        "Where --tls writes its CA certificate (PEM): point NODE_EXTRA_CA_CERTS, SSL_CERT_FILE "
        "or REQUESTS_CA_BUNDLE at it.",
    )
    access_log: bool = _opt(
        False,
        "KLING_MOCK_ACCESS_LOG",
        "Log one line per request (uvicorn's access log, at info level). Costs server time on "
        "each request; the request journal (GET /__mock/journal/requests) records them anyway.",
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then environment variables, then explicit overrides (CLI flags)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata["env"]
            if name in env and env[name] != "":
                values[f.name] = _parse(f.type, env[name], name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        problems = []
        if not 0 <= self.port <= 65535:
            problems.append(f"port must be 0..65535, got {self.port}")
        if not self.speed > 0:
            problems.append(f"speed must be > 0, got {self.speed}")
        if not 0 <= self.fail_rate <= 1:
            problems.append(f"fail-rate must be between 0 and 1, got {self.fail_rate}")
        if self.max_body_bytes < 1024:
            problems.append(f"max-body-bytes must be at least 1024, got {self.max_body_bytes}")
        if self.jwt_leeway < 0:
            problems.append(f"jwt-leeway must be >= 0, got {self.jwt_leeway}")
        if not self.body_timeout > 0:
            problems.append(f"body-timeout must be > 0, got {self.body_timeout}")
        if self.max_string_chars < 256:
            problems.append(f"max-string-chars must be at least 256, got {self.max_string_chars}")
        if self.max_unknown_fields < 0:
            problems.append(f"max-unknown-fields must be >= 0, got {self.max_unknown_fields}")
        if self.errors not in ERRORS_MODES:
            problems.append(f"errors must be one of {', '.join(ERRORS_MODES)}, got {self.errors!r}")
        if self.clock not in CLOCK_MODES:
            problems.append(f"clock must be one of {', '.join(CLOCK_MODES)}, got {self.clock!r}")
        try:
            parse_concurrency(self.concurrency)
        except ValueError as exc:
            problems.append(str(exc))
        if self.concurrency_scope not in ("model", "pool"):
            problems.append("concurrency-scope must be 'model' or 'pool'")
        if self.rate_limit is not None and not self.rate_limit > 0:
            problems.append(f"rate-limit must be > 0, got {self.rate_limit}")
        if self.scenario is not None:
            try:
                load_scenario(Path(self.scenario))
            except ValueError as exc:
                problems.append(f"scenario {exc}")
        try:
            self.callback_policy()
        except ValueError as exc:
            problems.append(str(exc))
        if self.webhook_secret is not None:
            try:
                parse_secret(self.webhook_secret)
            except ValueError as exc:
                problems.append(f"webhook-secret: {exc}")
        if not self.header_timeout > 0:
            problems.append(f"header-timeout must be > 0, got {self.header_timeout}")
        if self.max_tasks < 0:
            problems.append(f"max-tasks must be 0 (no cap) or more, got {self.max_tasks}")
        if self.journal_size < 1:
            problems.append(f"journal-size must be at least 1, got {self.journal_size}")
        if self.control_token is not None and len(self.control_token) < 8:
            problems.append("control-token must be at least 8 characters")
        if not self.clock_speed > 0:
            problems.append(f"clock-speed must be > 0, got {self.clock_speed}")
        if self.clock_start is not None:
            try:
                parse_start(self.clock_start)
            except ValueError as exc:
                problems.append(str(exc))
        if not self.access_key or not self.secret_key:
            problems.append("access key and secret key must not be empty")
        if self.accounts_file is not None and not Path(self.accounts_file).is_file():
            problems.append(f"accounts file {self.accounts_file} does not exist")
        if self.public_base_url and not self.public_base_url.startswith(("http://", "https://")):
            problems.append("public-base-url must start with http:// or https://")
        if problems:
            raise ValueError("; ".join(problems))

    def callback_policy(self) -> CallbackPolicy:
        statuses = frozenset(s.strip() for s in self.callback_statuses.split(",") if s.strip())
        return CallbackPolicy(
            attempts=self.callback_attempts,
            base_delay_s=self.callback_base_delay,
            max_delay_s=self.callback_max_delay,
            timeout_s=self.callback_timeout,
            statuses=statuses,
        )

    def make_clock(self) -> SimClock:
        start = parse_start(self.clock_start) if self.clock_start is not None else None
        return SimClock(self.clock, start_ms=start, speed=self.clock_speed)

    def accounts(self) -> list[Account]:
        if self.accounts_file is not None:
            return load_accounts(Path(self.accounts_file))
        keys = (self.api_key,) if self.api_key else ()
        return [Account(self.access_key, self.secret_key, api_keys=keys, name="default")]


def _parse(kind: Any, raw: str, env: str) -> Any:
    text = str(kind)
    try:
        if "bool" in text:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if "int" in text:
            return int(raw)
        if "float" in text:
            return float(raw)
        if "Path" in text:
            return Path(raw)
    except ValueError:
        raise ValueError(f"{env}={raw!r} is not a valid value") from None
    return raw
