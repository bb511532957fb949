"""TSE secrets are encrypted with KASSE_FISCAL_KEYS; keys rotate; production refuses without them."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from kasse.fiscal import crypto


def test_a_secret_is_stored_encrypted_and_read_back():
    token = crypto.encrypt("fiskaly-secret")
    assert "fiskaly-secret" not in token
    assert crypto.decrypt(token) == "fiskaly-secret"
    assert crypto.encrypt("") == ""


def test_a_new_key_encrypts_and_the_old_one_still_decrypts():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(KASSE_FISCAL_KEYS=[old]):
        token = crypto.encrypt("pin 123456")
    with override_settings(KASSE_FISCAL_KEYS=[new, old]):
        assert crypto.decrypt(token) == "pin 123456"
        rotated = crypto.encrypt("pin 123456")
    with override_settings(KASSE_FISCAL_KEYS=[new]):
        assert crypto.decrypt(rotated) == "pin 123456"
        with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
            crypto.decrypt(token)


def test_production_refuses_to_store_secrets_without_configured_keys():
    with override_settings(KASSE_ENV="production", KASSE_FISCAL_KEYS=[]), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("secret")
    with override_settings(KASSE_FISCAL_KEYS=["not a fernet key"]), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("secret")
