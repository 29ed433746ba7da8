"""PostObject (HTML form upload) policy signatures, V1 and V4 (protocol-spec §3.1).

What is signed is the `policy` form field exactly as sent (the base64 text, not the JSON).
V1: base64(HMAC-SHA1(secret, policy)). V4: hex(HMAC-SHA256(V4 signing key, policy)), with the
date, region and product of the `x-oss-credential` form field.
"""

from __future__ import annotations

from ossbox.signing import oss_v1, oss_v4
from ossbox.signing.result import Verification, signatures_equal

_MISMATCH = "signature does not match the policy"


def sign_post_policy_v1(policy_b64: str, secret: str) -> str:
    """The `Signature` form field for a V1 PostObject."""
    return oss_v1.signature_v1(secret, policy_b64)


def sign_post_policy_v4(
    policy_b64: str, secret: str, *, date: str, region: str, product: str = "oss"
) -> str:
    """The `x-oss-signature` form field for a V4 PostObject; `date` is yyyymmdd."""
    return oss_v4.sign_string_v4(secret, date, region, product, policy_b64)


def verify_post_policy_v1(policy_b64: str, signature: str, secret: str) -> Verification:
    """Check a V1 PostObject signature in constant time."""
    expected = sign_post_policy_v1(policy_b64, secret)
    if signatures_equal(expected, signature):
        return Verification(True, policy_b64)
    return Verification(False, policy_b64, reason=_MISMATCH)


def verify_post_policy_v4(
    policy_b64: str,
    signature: str,
    secret: str,
    *,
    date: str,
    region: str,
    product: str = "oss",
) -> Verification:
    """Check a V4 PostObject signature in constant time."""
    expected = sign_post_policy_v4(policy_b64, secret, date=date, region=region, product=product)
    if signatures_equal(expected, signature):
        return Verification(True, policy_b64)
    return Verification(False, policy_b64, reason=_MISMATCH)
