"""Standard Webhooks signatures, as Kling sends them once a Webhook Secret exists (2026-08-07).

Signed string ``<webhook-id>.<webhook-timestamp>.<raw body>``, key = base64 of the secret after
``whsec_``, header ``v1,<base64(HMAC-SHA256)>`` (api-reference.md section 2.3). The secret is
checked once, at start-up, and never appears in a message, a repr or a log line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass, field

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"


def parse_secret(secret: str) -> bytes:
    """The HMAC key inside ``whsec_<base64>``; ValueError (without the secret) otherwise."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"webhook secret must start with {SECRET_PREFIX!r}")
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            f"webhook secret must be {SECRET_PREFIX!r} followed by standard base64"
        ) from None
    if not key:
        raise ValueError(f"webhook secret has no key after {SECRET_PREFIX!r}")
    return key


@dataclass(frozen=True)
class Signer:
    """A parsed secret; ``repr`` leaves the key out so it cannot leak into logs."""

    key: bytes = field(repr=False)

    @classmethod
    def from_secret(cls, secret: str) -> Signer:
        return cls(parse_secret(secret))

    def signature(self, webhook_id: str, timestamp_s: int, body: bytes) -> str:
        signed = f"{webhook_id}.{timestamp_s}.".encode() + body
        digest = hmac.new(self.key, signed, hashlib.sha256).digest()
        return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"

    def headers(self, webhook_id: str, timestamp_s: int, body: bytes) -> dict[str, str]:
        return {
            "webhook-id": webhook_id,
            "webhook-timestamp": str(timestamp_s),
            "webhook-signature": self.signature(webhook_id, timestamp_s, body),
        }


def signature_headers(
    secret: str, webhook_id: str, timestamp_s: int, body: bytes
) -> dict[str, str]:
    """``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``."""
    return Signer.from_secret(secret).headers(webhook_id, timestamp_s, body)
