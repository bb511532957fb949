"""Forgotten password: a one-time link by e-mail, no account enumeration, translated, audited."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.test import Client
from django_scopes import scopes_disabled

from kasse.core.models import AuditEntry
from kasse.testing.factories import owner_user

pytestmark = pytest.mark.django_db


def _ask(email: str, language: str = "en", address: str = "192.0.2.5"):
    return Client(HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR=address).post(
        "/password-reset/", {"email": email}, follow=True
    )


def _text(response, testid: str) -> str:
    element = BeautifulSoup(response.content, "html.parser").select_one(f"[data-testid={testid}]")
    return element.get_text(" ", strip=True) if element else ""


def _link() -> str:
    return re.search(r"http://\S+/password-reset/\S+/\S+/", mail.outbox[-1].body).group(0)


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(organization):
    owner_user(organization, email="inhaber@example.org", language="de")
    known = _ask("Inhaber@example.org")
    unknown = _ask("niemand@example.org")
    assert known.status_code == unknown.status_code == 200
    assert _text(known, "password-reset-sent") == _text(unknown, "password-reset-sent") != ""
    # and only the account gets an e-mail, in its own language
    assert [m.to for m in mail.outbox] == [["inhaber@example.org"]]
    assert mail.outbox[0].subject == "Ihr neues kasse-Passwort"
    assert "Der Link funktioniert einmal und 2 Stunden lang." in mail.outbox[0].body


def test_the_link_sets_a_new_password_once_and_is_audited(organization):
    user = owner_user(organization, email="inhaber@example.org", language="en")
    _ask("inhaber@example.org")
    link = _link()
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    form_page = browser.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    new = "ein ganz neues Passwort"
    done = browser.post(set_url, {"new_password1": new, "new_password2": new}, follow=True)
    assert _text(done, "password-reset-complete") == "Your new password is saved. You can log in with it now."
    user.refresh_from_db()
    assert user.check_password("ein ganz neues Passwort")
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="backoffice.password.reset", organization=organization).count() == 1
    # The same link does not work a second time
    again = Client(HTTP_ACCEPT_LANGUAGE="de").get(link, follow=True)
    assert _text(again, "password-reset-invalid").startswith("Dieser Link funktioniert nicht (mehr)")


def test_a_mailbox_gets_at_most_three_links_an_hour(organization):
    owner_user(organization, email="inhaber@example.org")
    for n in range(5):
        assert _ask("inhaber@example.org", address=f"192.0.2.{n}").status_code == 200
    assert len(mail.outbox) == 3


def test_the_login_page_links_to_it(client, db):
    page = BeautifulSoup(client.get("/login/", HTTP_ACCEPT_LANGUAGE="de").content, "html.parser")
    link = page.select_one("[data-testid=password-reset-link]")
    assert (link["href"], link.get_text(strip=True)) == ("/password-reset/", "Passwort vergessen?")
