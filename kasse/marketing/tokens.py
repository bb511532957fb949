"""Signed tokens in e-mail links that work without login: unsubscribe and consent confirmation.

Signed with the project's secret (``django.core.signing``, salted per purpose); nothing is stored, and a
token names only the customer's id, which without the secret cannot be forged.
"""

from __future__ import annotations

from django.core import signing

UNSUBSCRIBE = "kasse.marketing.unsubscribe"
CONFIRM = "kasse.marketing.confirm"
CONFIRM_DAYS = 14


def make(purpose: str, value: str) -> str:
    return signing.dumps(value, salt=purpose, compress=False)


def read(purpose: str, token: str, max_age_days: int | None = None) -> str | None:
    """The value of a valid token, else ``None`` (tampered, another purpose, or too old)."""
    try:
        return str(signing.loads(token, salt=purpose, max_age=max_age_days * 86400 if max_age_days else None))
    except signing.BadSignature:
        return None
