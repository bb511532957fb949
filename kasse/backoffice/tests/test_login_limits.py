"""Back-office logins are limited per account and per address, shared by all workers, and audited."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django_scopes import scopes_disabled

from kasse.core.models import AuditEntry
from kasse.testing.factories import owner_user

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery staple"


def _login(email: str, password: str, address: str = "192.0.2.7", language: str = "en"):
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language).post(
        "/login/", {"email": email, "password": password}
    )


def _error(response) -> str:
    return (
        BeautifulSoup(response.content, "html.parser").select_one("[data-testid=form-errors]").get_text(" ", strip=True)
    )


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(organization):
    owner_user(organization, email="inhaber@example.org")
    # Five wrong passwords from five addresses
    for n in range(5):
        assert _login("inhaber@example.org", f"guess {n}", address=f"192.0.2.{n}").status_code == 200
    # Then even the right password is refused for a while, without being checked
    refused = _login("inhaber@example.org", RIGHT, address="198.51.100.1")
    assert refused.status_code == 429
    assert _error(refused) == "Too many failed logins. Please try again in 15 minutes."
    assert _error(_login("inhaber@example.org", RIGHT, language="de")) == (
        "Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es in 15 Minuten erneut."
    )
    # and the owner finds it in the audit log
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="backoffice.login.locked")
    assert entry.organization_id == organization.pk
    assert entry.data == {"email": "inhaber@example.org", "address": "192.0.2.4", "failures": 5, "minutes": 15}


def test_twenty_failures_from_one_address_block_it_for_every_account(organization):
    owner_user(organization, email="inhaber@example.org")
    for n in range(20):
        _login(f"nobody{n}@example.org", "guess")  # spread over accounts: no account reaches its limit
    assert _login("inhaber@example.org", RIGHT).status_code == 429
    assert _login("inhaber@example.org", RIGHT, address="192.0.2.99").status_code == 302


def test_a_correct_login_clears_its_accounts_count_but_not_the_addresses(organization):
    owner_user(organization, email="inhaber@example.org")
    for n in range(4):
        _login("inhaber@example.org", f"guess {n}")
    assert _login("inhaber@example.org", RIGHT).status_code == 302
    for n in range(4):
        assert _login("inhaber@example.org", f"again {n}").status_code == 200
    assert _login("inhaber@example.org", RIGHT).status_code == 302


def test_an_unknown_address_is_answered_like_a_wrong_password(organization):
    owner_user(organization, email="inhaber@example.org")
    unknown = _login("niemand@example.org", "guess")
    wrong = _login("inhaber@example.org", "guess", address="192.0.2.8")
    assert unknown.status_code == wrong.status_code == 200
    assert _error(unknown) == _error(wrong) == "E-mail address or password is wrong."
