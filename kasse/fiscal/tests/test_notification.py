"""The notification of a store's registers to the tax office (§146a (4) AO): page, details, CSV, PDF."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.models import AuditEntry
from kasse.fiscal.models import RegisterDetails
from kasse.fiscal.services import create_development_tse, register_tse_client
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, UserFactory
from kasse.testing.pdf import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def signing(organization, store, register):
    device = create_development_tse(organization=organization, actor=Actor.system(), store=store)
    register_tse_client(register=register, actor=Actor.system())
    return device


def test_the_owner_enters_the_dates_and_downloads_the_notice(owner_client, organization, store, register, signing):
    page = owner_client.get(reverse("fiscal:notification-store", kwargs={"store_pk": store.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert register.serial_number in html
    assert signing.serial_number in html
    assert 'data-testid="notification-incomplete"' in html  # no dates yet
    edit = reverse("fiscal:notification-register-edit", kwargs={"register_pk": register.pk})
    # A start of use before the purchase is refused and nothing is saved
    refused = owner_client.post(edit, {"brand": "Lenovo", "purchased_on": "2026-03-02", "in_use_since": "2026-03-01"})
    assert refused.status_code == 400
    with scopes_disabled():
        assert not RegisterDetails.objects.exists()
    saved = owner_client.post(
        edit, {"brand": "Lenovo", "model": "Tab M10", "purchased_on": "2026-03-01", "in_use_since": "2026-03-02"}
    )
    assert saved.status_code == 302
    with scopes_disabled():
        details = RegisterDetails.objects.get(register=register)
        assert (details.brand, details.purchased_on) == ("Lenovo", date(2026, 3, 1))
        assert AuditEntry.objects.filter(organization=organization, action="fiscal.register_details.saved").exists()
    html = owner_client.get(reverse("fiscal:notification-store", kwargs={"store_pk": store.pk})).content.decode()
    assert 'data-testid="notification-incomplete"' not in html
    csv_file = owner_client.get(reverse("fiscal:notification-store", kwargs={"store_pk": store.pk}), {"format": "csv"})
    assert csv_file["Content-Type"] == "text/csv; charset=utf-8"
    text = csv_file.content.decode("utf-8-sig")
    row = next(line for line in text.splitlines() if register.serial_number in line).split(";")
    assert signing.serial_number in row
    assert "Lenovo" in row
    assert "kasse" in row
    pdf = owner_client.get(reverse("fiscal:notification-store", kwargs={"store_pk": store.pk}), {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert register.serial_number in pdf_text(pdf.content)


def test_only_who_manages_settings_sees_the_notice(organization, store, register):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    client = Client()
    client.force_login(user)
    assert client.get(reverse("fiscal:notification-store", kwargs={"store_pk": store.pk})).status_code == 403
    assert client.get(reverse("fiscal:notification-list")).status_code == 403
