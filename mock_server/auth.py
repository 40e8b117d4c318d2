"""Authorization header -> Account, or the Kling code for what is wrong (1001-1004).

Order of checks: header present (1001); ``Bearer <token>`` form (1002); a plain API key; else
a JWT whose header says HS256, whose ``iss`` is a known access key and whose signature verifies
with that account's secret (1002); ``nbf`` not in the future (1003); ``exp`` not passed (1004).

PyJWT's own time checks are off (the fake's clock and leeway decide), so ``exp`` and ``nbf`` are
checked here to be seconds a clock can reach: a number, finite, at most the year 9999. NaN
compares false with everything and would pass every test; infinity or 1e308 would make a token
that never expires. Each is 1002 (Authorization is invalid), as PyJWT itself treats a bad claim.

A client sends the same token for up to 30 minutes, so what a token proves once (its account,
``nbf`` and ``exp``) is kept, keyed by the exact header, in a bounded LRU per Authenticator: a
hit costs a dict lookup, and ``nbf``/``exp`` are still checked against the clock on every
request. Only verified tokens are kept, so filling the cache needs the secret; and each app has
its own Authenticator, so a token is never trusted by an app with a different secret.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import jwt
from jwt.algorithms import HMACAlgorithm

from mock_server.accounts import Account
from mock_server.errors import KlingError
from mock_server.tasks.clock import Clock

LAST_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime can name
CACHE_SIZE = 4096  # verified tokens kept; a token is about 200 bytes
HS256 = HMACAlgorithm(HMACAlgorithm.SHA256)
# The live answer to a JWT or an unknown key on a model-path endpoint (new-design-api.md 1.2, 8).
API_KEY_ONLY = (
    "Authentication error. The current API does not support AK/SK; please go to the console "
    "(https://kling.ai/dev/api-key) to create API key."
)
Verified = tuple[Account, float | None, float | None]  # account, nbf, exp


@contextmanager
def allow_short_keys() -> Iterator[None]:
    """PyJWT warns on every use of a short HMAC key; the default mock secret is short on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        yield


class Authenticator:
    def __init__(
        self,
        accounts: Iterable[Account],
        clock: Clock,
        *,
        leeway_s: float = 5.0,
        cache_size: int = CACHE_SIZE,
    ):
        self._clock = clock
        self._leeway = leeway_s
        self._cache: OrderedDict[str, Verified] = OrderedDict()
        self._cache_size = cache_size
        self._by_access_key: dict[str, Account] = {}
        self._by_api_key: dict[str, Account] = {}
        for account in accounts:
            self._by_access_key[account.access_key] = account
            for key in account.api_keys:
                self._by_api_key[key] = account

    def authenticate(
        self, header: str | None, *, api_key_only: bool = False, now_ms: int | None = None
    ) -> Account:
        """``api_key_only``: the model-path design takes only a plain API key; anything else,
        a valid JWT included, is refused with its one live answer (new-design-api.md 1.2).
        ``now_ms``: the request's time, when the caller has read the clock already."""
        if header is None:
            raise KlingError(1001)
        if api_key_only:
            return self._api_key(header)
        verified = self._cache.get(header)
        if verified is None:
            verified = self._check(header)
            self._cache[header] = verified
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(header)
        account, nbf, exp = verified
        now = (self._clock.now_ms() if now_ms is None else now_ms) / 1000
        if nbf is not None and nbf > now + self._leeway:
            raise KlingError(1003)
        if exp is not None and exp <= now - self._leeway:
            raise KlingError(1004)
        return account

    def _api_key(self, header: str) -> Account:
        if not header.strip():
            raise KlingError(1001)
        scheme, _, token = header.strip().partition(" ")
        account = self._by_api_key.get(token.strip()) if scheme.lower() == "bearer" else None
        if account is None:
            raise KlingError(1002, API_KEY_ONLY)
        return account

    def _check(self, header: str) -> Verified:
        if not header.strip():
            raise KlingError(1001)
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise KlingError(1002, "Authorization is invalid: expected 'Bearer <token>'")
        if token in self._by_api_key:
            return self._by_api_key[token], None, None
        return self._verify(token)

    def _verify(self, token: str) -> Verified:
        """One parse of the token, then its HMAC with the secret of the account it names."""
        try:
            parts = jwt.decode_complete(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise KlingError(1002, "Authorization is invalid: not a JWT") from None
        header, claims = parts["header"], parts["payload"]
        if header.get("alg") != "HS256":
            raise KlingError(1002, "Authorization is invalid: the token must be signed with HS256")
        account = self._by_access_key.get(str(claims.get("iss", "")))
        if account is None:
            raise KlingError(1002, "Authorization is invalid: unknown access key (iss)")
        signing_input = token.rsplit(".", 1)[0].encode()
        try:
            key = HS256.prepare_key(account.secret_key)
            valid = HS256.verify(signing_input, key, parts["signature"])
        except jwt.PyJWTError:
            valid = False
        if not valid:
            raise KlingError(1002, "Authorization is invalid: signature verification failed")
        for name in ("exp", "nbf"):
            if name in claims and not _is_time(claims[name]):
                raise KlingError(
                    1002,
                    f"Authorization is invalid: {name} must be a number of seconds "
                    f"between {-LAST_SECOND} and {LAST_SECOND}",
                )
        return account, claims.get("nbf"), claims.get("exp")


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
