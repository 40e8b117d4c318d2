"""Authorization header -> Account, or the Kling code for what is wrong (1001-1004).

Order of checks: header present (1001); ``Bearer <token>`` form (1002); a plain API key; else
a JWT whose header says HS256, whose ``iss`` is a known access key and whose signature verifies
with that account's secret (1002); ``nbf`` not in the future (1003); ``exp`` not passed (1004).

PyJWT's own time checks are off (the fake's clock and leeway decide), so ``exp`` and ``nbf`` are
checked here to be seconds a clock can reach: a number, finite, at most the year 9999. NaN
compares false with everything and would pass every test; infinity or 1e308 would make a token
that never expires. Each is 1002 (Authorization is invalid), as PyJWT itself treats a bad claim.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import jwt

from mock_server.accounts import Account
from mock_server.errors import KlingError
from mock_server.tasks.clock import Clock

LAST_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime can name


@contextmanager
def allow_short_keys() -> Iterator[None]:
    """PyJWT warns on every use of a short HMAC key; the default mock secret is short on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        yield


class Authenticator:
    def __init__(self, accounts: Iterable[Account], clock: Clock, *, leeway_s: float = 5.0):
        self._clock = clock
        self._leeway = leeway_s
        self._by_access_key: dict[str, Account] = {}
        self._by_api_key: dict[str, Account] = {}
        for account in accounts:
            self._by_access_key[account.access_key] = account
            for key in account.api_keys:
                self._by_api_key[key] = account

    def authenticate(self, header: str | None) -> Account:
        if header is None or not header.strip():
            raise KlingError(1001)
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise KlingError(1002, "Authorization is invalid: expected 'Bearer <token>'")
        if token in self._by_api_key:
            return self._by_api_key[token]
        account, claims = self._verify(token)
        now = self._clock.now_ms() / 1000
        nbf, exp = claims.get("nbf"), claims.get("exp")
        if nbf is not None and nbf > now + self._leeway:
            raise KlingError(1003)
        if exp is not None and exp <= now - self._leeway:
            raise KlingError(1004)
        return account

    def _verify(self, token: str) -> tuple[Account, dict[str, Any]]:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise KlingError(1002, "Authorization is invalid: not a JWT") from None
        if header.get("alg") != "HS256":
            raise KlingError(1002, "Authorization is invalid: the token must be signed with HS256")
        account = self._by_access_key.get(str(unverified.get("iss", "")))
        if account is None:
            raise KlingError(1002, "Authorization is invalid: unknown access key (iss)")
        try:
            with allow_short_keys():
                claims = jwt.decode(
                    token,
                    account.secret_key,
                    algorithms=["HS256"],
                    options={
                        "verify_exp": False,
                        "verify_nbf": False,
                        "verify_iat": False,
                        "verify_aud": False,
                        "verify_iss": False,
                    },
                )
        except jwt.PyJWTError:
            raise KlingError(
                1002, "Authorization is invalid: signature verification failed"
            ) from None
        for name in ("exp", "nbf"):
            if name in claims and not _is_time(claims[name]):
                raise KlingError(
                    1002,
                    f"Authorization is invalid: {name} must be a number of seconds "
                    f"between {-LAST_SECOND} and {LAST_SECOND}",
                )
        return account, claims


def _is_time(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    return abs(value) <= LAST_SECOND  # False for NaN and infinity too


def mint_token(access_key: str, secret_key: str, now_s: float, lifetime_s: int = 1800) -> str:
    """A token exactly as Kling's docs build one: iss, exp = now + 30 min, nbf = now - 5 s."""
    payload = {"iss": access_key, "exp": int(now_s) + lifetime_s, "nbf": int(now_s) - 5}
    with allow_short_keys():
        return jwt.encode(
            payload, secret_key, algorithm="HS256", headers={"alg": "HS256", "typ": "JWT"}
        )
