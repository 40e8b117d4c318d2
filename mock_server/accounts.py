"""Who may call the fake: accounts with an access/secret key pair and optional plain API keys.

Loaded from a JSON or TOML file (``--accounts-file``), checked against
``schemas/config/accounts.json`` so a typo fails at start-up naming the file and the field, or
made from the single default pair.
"""

from __future__ import annotations

import json
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from mock_server.paths import SCHEMAS_DIR

DEFAULT_ACCESS_KEY = "mock-access-key"
DEFAULT_SECRET_KEY = "mock-secret-key"
# The model-path design takes only an API key (new-design-api.md 1.2): the default account has one.
DEFAULT_API_KEY = "mock-api-key"
# USD an account pays from where it holds no pack of a charge's pool (a guess, live-behaviour.md
# B.7). An account that lists its packs has none unless it says so: live, an account holding
# only a video pack got 1102 on image generation (A.6 #31).
DEFAULT_CASH_USD = 100.0
_READERS = {".json": json.loads, ".toml": tomllib.loads}


@dataclass(frozen=True)
class Account:
    access_key: str
    secret_key: str = field(repr=False)
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    name: str = ""
    resource_packs: tuple[dict[str, Any], ...] = ()
    concurrency: dict[str, int] | None = None  # None: the --concurrency default
    rate_limit: float | None = None  # requests per second; None: the --rate-limit default
    cash_balance: float = DEFAULT_CASH_USD  # USD for pools without a pack (simulation/ledger.py)

    @property
    def user_id(self) -> str:
        """A stable numeric creator id for ``owned_by`` fields (Kling shows numeric ids)."""
        return str(10_000_000 + zlib.crc32(self.access_key.encode()) % 90_000_000)


def _read(path: Path) -> Any:
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"{path}: accounts files must end in .json or .toml")
    try:
        return reader(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot be read ({exc})") from None
    except (ValueError, tomllib.TOMLDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise ValueError(f"{path}: not valid {path.suffix[1:].upper()} ({exc})") from None


def _where(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_accounts(path: Path) -> list[Account]:
    """Read ``{"accounts": [{"access_key", "secret_key", "api_keys"?, "name"?,
    "resource_packs"?, "cash_balance"?, ...}]}``; raise ValueError naming the file and the
    field on any problem."""
    raw = _read(path)
    schema = json.loads((SCHEMAS_DIR / "config" / "accounts.json").read_text(encoding="utf-8"))
    error = best_match(Draft202012Validator(schema).iter_errors(raw))
    if error is not None:
        raise ValueError(f"{path}: {_where(error.absolute_path)}: {error.message}")
    accounts = [
        Account(
            access_key=entry["access_key"],
            secret_key=entry["secret_key"],
            api_keys=tuple(entry.get("api_keys", [])),
            name=str(entry.get("name", entry["access_key"])),
            resource_packs=tuple(entry.get("resource_packs", [])),
            concurrency=entry.get("concurrency"),
            rate_limit=entry.get("rate_limit"),
            cash_balance=float(
                entry.get("cash_balance", 0.0 if entry.get("resource_packs") else DEFAULT_CASH_USD)
            ),
        )
        for entry in raw["accounts"]
    ]
    seen: dict[str, int] = {}
    for i, account in enumerate(accounts):
        if account.access_key in seen:
            raise ValueError(
                f"{path}: accounts[{i}].access_key: {account.access_key!r} is already used by "
                f"accounts[{seen[account.access_key]}]"
            )
        seen[account.access_key] = i
    api_keys = [k for a in accounts for k in a.api_keys]
    if len(set(api_keys)) != len(api_keys):
        raise ValueError(f"{path}: an API key is given to more than one account")
    return accounts
