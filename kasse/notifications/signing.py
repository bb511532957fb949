"""Standard Webhooks signatures (https://www.standardwebhooks.com/, version 1.0.0).

The secret is ``whsec_`` followed by the base64 of random bytes; the key is those bytes. A message is signed
as ``base64(HMAC-SHA256(key, f"{webhook-id}.{webhook-timestamp}.{body}"))`` and sent as
``webhook-signature: v1,<signature>`` (several may be sent, separated by spaces, while a secret is rotated).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
KEY_BYTES = 32
TOLERANCE_SECONDS = 5 * 60


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX), validate=True)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The value of ``webhook-signature`` for one message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "kasse-webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def verify(secret: str, message_id: str, timestamp: str, signatures: str, body: bytes, now: float) -> bool:
    """What a receiver checks (the tests' receiver uses it): one of the ``v1`` signatures matches and the
    timestamp is within five minutes of ``now``."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, message_id, sent, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures.split(" ") if candidate)
