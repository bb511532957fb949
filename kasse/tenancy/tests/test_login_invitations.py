"""An existing account becomes an employee's login only when its owner accepts the invitation."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from kasse.core.models import AuditEntry
from kasse.tenancy.models import Employee
from kasse.tenancy.tests.conftest import DE, EN
from kasse.testing.factories import OrganizationFactory, owner_user
from kasse.testing.plugin import soup_of, texts

pytestmark = pytest.mark.django_db


def _invite(owner_client, email: str, mailoutbox, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            "/settings/employees/new/",
            {"display_name": "Tom", "is_active": "on", "login_email": email, "role_all": "cashier"},
            **EN,
        )
    assert response.status_code == 302
    return re.search(r"http://\S+(/signup/invitation/\S+/)", mailoutbox[-1].body).group(1)


def _tom() -> Employee:
    with scopes_disabled():
        return Employee.objects.select_related("user").get(display_name="Tom")


def test_another_organizations_owner_is_invited_not_attached(
    owner_client, organization, mailoutbox, django_capture_on_commit_callbacks
):
    # Given the owner of another shop
    elsewhere = OrganizationFactory(name="Anderer Laden")
    tom = owner_user(elsewhere, email="tom@example.org", language="de")
    # When a manager here types Tom's address as a new employee's login
    path = _invite(owner_client, "Tom@example.org", mailoutbox, django_capture_on_commit_callbacks)
    # Then the employee exists without a login, and Tom got a German invitation with a link
    assert _tom().user is None
    assert mailoutbox[-1].to == ["tom@example.org"]
    assert mailoutbox[-1].subject == f"Einladung zu {organization.name} bei kasse"
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="tenancy.employee.login_invited", organization=organization).exists()
    # A stranger opening the link is sent to the login; another account is refused
    assert Client().get(path)["Location"].startswith("/login/")
    stranger = Client()
    stranger.force_login(owner_user(OrganizationFactory(), email="fremd@example.org"))
    refused = stranger.post(path, **EN)
    assert refused.status_code == 403
    assert texts(soup_of(refused), "invitation-error") == [
        "This invitation is for another account. Please log in as tom@example.org."
    ]
    assert _tom().user is None
    # When Tom, logged in, accepts
    client = Client()
    client.force_login(tom)
    page = soup_of(client.get(path, **DE))
    assert texts(page, "invitation-text")[0].startswith("owner@example.org lädt Sie ein")
    assert client.post(path, **DE)["Location"] == "/"
    # Then he logs in for the employee, and the link is used up
    assert _tom().user == tom
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="tenancy.employee.login_accepted", organization=organization).exists()
    assert client.get(path, **EN).status_code == 404


def test_a_new_address_still_gets_a_linked_account_and_a_password_link(
    owner_client, organization, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            "/settings/employees/new/",
            {"display_name": "Mia", "is_active": "on", "login_email": "mia@example.org", "role_all": "cashier"},
            **DE,
        )
    with scopes_disabled():
        assert Employee.objects.get(display_name="Mia").user.email == "mia@example.org"
    assert "/signup/verify/" in mailoutbox[-1].body
