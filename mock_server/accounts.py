"""Who may call the fake: accounts with an access/secret key pair and optional plain API keys.

Loaded from a JSON or TOML file (``--accounts FILE``) or made from the single default pair.
"""

from __future__ import annotations

import json
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_ACCESS_KEY = "mock-access-key"
DEFAULT_SECRET_KEY = "mock-secret-key"


@dataclass(frozen=True)
class Account:
    access_key: str
    secret_key: str = field(repr=False)
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    name: str = ""
    resource_packs: tuple[dict[str, Any], ...] = ()

    @property
    def user_id(self) -> str:
        """A stable numeric creator id for ``owned_by`` fields (Kling shows numeric ids)."""
        return str(10_000_000 + zlib.crc32(self.access_key.encode()) % 90_000_000)


def load_accounts(path: Path) -> list[Account]:
    """Read ``{"accounts": [{"access_key", "secret_key", "api_keys"?, "name"?,
    "resource_packs"?}]}`` from JSON or TOML (``[[accounts]]`` tables)."""
    text = path.read_text(encoding="utf-8")
    raw = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    entries = raw.get("accounts") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: expected a non-empty 'accounts' list")
    accounts = []
    for i, entry in enumerate(entries):
        ak, sk = entry.get("access_key"), entry.get("secret_key")
        if not (isinstance(ak, str) and ak and isinstance(sk, str) and sk):
            raise ValueError(f"{path}: accounts[{i}] needs non-empty access_key and secret_key")
        accounts.append(
            Account(
                access_key=ak,
                secret_key=sk,
                api_keys=tuple(str(k) for k in entry.get("api_keys", [])),
                name=str(entry.get("name", ak)),
                resource_packs=tuple(entry.get("resource_packs", [])),
            )
        )
    keys = [a.access_key for a in accounts]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{path}: access keys must be unique")
    return accounts
