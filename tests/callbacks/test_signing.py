"""Standard Webhooks signatures: the docs' official vector, checked by an independent verifier."""

from __future__ import annotations

import pytest

from mock_server.callbacks.signing import Signer, parse_secret, signature_headers
from tests.callbacks.conftest import SECRET
from tests.callbacks.helpers import verify

# api-reference.md 2.3, the official test vector.
VECTOR_ID = "9876543210"
VECTOR_TS = 1781080794
VECTOR_BODY = (
    b'{"id":"1234567890","status":"succeeded","message":"",'
    b'"create_time":1781080778802,"update_time":1781080794151}'
)
VECTOR_SIGNATURE = "v1,UsKlJP00XoQyOn410NM9xv34sP+Gl0jnOO9Lcpr7NJ4="
OTHER_SECRET = "whsec_b3RoZXJzZWNyZXRvdGhlcnNlY3JldG90aGVyc2VjcmV0"


def test_official_vector_reproduces_exactly() -> None:
    headers = signature_headers(SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    assert headers == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TS),
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_independent_verifier_accepts_the_vector_with_any_header_case() -> None:
    headers = signature_headers(SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    shouting = {name.upper(): value for name, value in headers.items()}
    assert verify(SECRET, shouting, VECTOR_BODY, now_s=VECTOR_TS)


@pytest.mark.parametrize(
    ("skew_s", "accepted"), [(-300, True), (300, True), (-301, False), (301, False)]
)
def test_verifier_allows_five_minutes_of_clock_skew(skew_s: int, accepted: bool) -> None:
    headers = signature_headers(SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    assert verify(SECRET, headers, VECTOR_BODY, now_s=VECTOR_TS + skew_s) is accepted


@pytest.mark.parametrize(
    ("listed", "accepted"),
    [
        (["old", "good"], True),  # rotation: the new secret's entry comes second
        (["good", "old"], True),
        (["old", "old"], False),
    ],
)
def test_any_of_several_space_separated_signatures_may_match(
    listed: list[str], accepted: bool
) -> None:
    good = signature_headers(SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY)["webhook-signature"]
    old = signature_headers(OTHER_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY)["webhook-signature"]
    header = " ".join({"good": good, "old": old}[name] for name in listed)
    headers = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TS)}
    headers["webhook-signature"] = header
    assert verify(SECRET, headers, VECTOR_BODY, now_s=VECTOR_TS) is accepted


@pytest.mark.parametrize(
    ("field", "value"),
    [("body", VECTOR_BODY + b" "), ("id", "9876543211"), ("timestamp", VECTOR_TS + 1)],
)
def test_a_changed_body_id_or_timestamp_fails_verification(field: str, value: object) -> None:
    headers = signature_headers(SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    body = VECTOR_BODY
    if field == "body":
        assert isinstance(value, bytes)
        body = value
    else:
        headers[f"webhook-{field}"] = str(value)
    assert not verify(SECRET, headers, body, now_s=VECTOR_TS)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("", "must start with 'whsec_'"),
        ("dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI=", "must start with 'whsec_'"),
        ("whsec_", "no key"),
        ("whsec_not base64!", "standard base64"),
        ("whsec_dGVzdA", "standard base64"),  # padding missing
    ],
)
def test_malformed_secret_is_refused_without_echoing_it(secret: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_secret(secret)
    if secret.removeprefix("whsec_"):
        assert secret.removeprefix("whsec_") not in str(caught.value)


def test_signer_repr_leaves_the_key_out() -> None:
    signer = Signer.from_secret(SECRET)
    assert signer.key == b"testsecrettestsecrettestsecret12"
    assert "testsecret" not in repr(signer)
