"""Every option of the fake in one table: name, type, default, environment variable, help.

The CLI is derived from this table; ``Settings.check()`` refuses bad values with a clear
message before anything starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from mock_server.accounts import DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Account, load_accounts

ClockMode = Literal["system", "manual"]


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
        None,
        "KLING_API_KEY",
        "Also accept this plain API key for the default account.",
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
    seed: int = _opt(0, "KLING_MOCK_SEED", "Seed for every id and every random choice.")
    clock: ClockMode = _opt(
        "system",
        "KLING_MOCK_CLOCK",
        "'system' (wall time) or 'manual' (time stands still; for tests "
        "that drive the clock themselves).",
        choices=("system", "manual"),
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
    log_level: str = _opt(
        "info",
        "KLING_MOCK_LOG_LEVEL",
        "uvicorn log level.",
        choices=("critical", "error", "warning", "info", "debug"),
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
        if self.clock not in ("system", "manual"):
            problems.append(f"clock must be 'system' or 'manual', got {self.clock!r}")
        if not self.access_key or not self.secret_key:
            problems.append("access key and secret key must not be empty")
        if self.accounts_file is not None and not Path(self.accounts_file).is_file():
            problems.append(f"accounts file {self.accounts_file} does not exist")
        if self.public_base_url and not self.public_base_url.startswith(("http://", "https://")):
            problems.append("public-base-url must start with http:// or https://")
        if problems:
            raise ValueError("; ".join(problems))

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
