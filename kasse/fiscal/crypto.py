"""Encryption of the fiscal secrets kept in the database (fiskaly API secret, admin PIN and PUK, the
development TSE's private key).

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with keys from ``KASSE_FISCAL_KEYS``
(comma separated; the first encrypts, all decrypt, so a key can be rotated). Without it, dev and demo
keep a generated key in the data directory; production refuses to encrypt or decrypt without the
setting (``ImproperlyConfigured``), so secrets never end up under a key nobody configured.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _keys() -> list[str]:
    keys = list(getattr(settings, "KASSE_FISCAL_KEYS", []))
    if keys:
        return keys
    if settings.KASSE_ENV == "production":
        raise ImproperlyConfigured(
            "KASSE_FISCAL_KEYS is not set: kasse stores no TSE secrets in production without it."
        )
    key_file = Path(settings.DATA_DIR) / "fiscal_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(Fernet.generate_key().decode())
        key_file.chmod(0o600)
    return [key_file.read_text().strip()]


def _box() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in _keys()])
    except ValueError as exc:
        raise ImproperlyConfigured(f"KASSE_FISCAL_KEYS holds a key that is not a Fernet key: {exc}") from exc


def encrypt(secret: str) -> str:
    return _box().encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("a TSE secret cannot be decrypted with KASSE_FISCAL_KEYS (key changed?)") from exc
