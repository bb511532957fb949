"""The DSFinV-K page and command: who may export which store, the ZIP, refusals, the audit entry."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.models import AuditEntry
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.shifts import close_shift, open_shift
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, RegisterFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def _closed_day(register, employee, product):
    shift = open_shift(actor=Actor.system(), register=register, employee=employee, count={"20": 1})
    with scopes_disabled():
        variant = product.variants.get()
    complete_sale(
        actor=Actor.system(),
        register=register,
        employee=employee,
        cart=SaleInput(
            id=uuid7(), lines=[LineInput(variant.pk, Decimal(1))], payments=[PaymentInput("cash", Decimal(5))]
        ),
    )
    return close_shift(
        actor=Actor.system(), shift=shift, employee=employee, count={"20": 1, "2": 1, "0.50": 1, "0.20": 1, "0.10": 1}
    )


@pytest.fixture
def two_stores(organization, store, register, in_scope, coffee):
    other = StoreFactory(organization=organization, name="Filiale Süd", number=902)
    other_register = RegisterFactory(store=other, organization=organization, number=1)
    boss = EmployeeFactory(organization=organization, display_name="Chef", pin="9911", role=Role.OWNER)
    _closed_day(register, boss, coffee)
    _closed_day(other_register, boss, coffee)
    return store, other


def _client_for(organization, store=None, role=Role.MANAGER) -> Client:
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, role) if store else role)
    client = Client()
    client.force_login(user)
    return client


def _dates():
    today = timezone.localdate().isoformat()
    return {"date_from": today, "date_to": today}


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_an_owner_downloads_a_stores_export_and_it_is_audited(owner_client, organization, two_stores):
    store, _other = two_stores
    response = owner_client.get(reverse("fiscal:dsfinvk-export"), {**_dates(), "store": store.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="DSFinV-K_Filiale' in response["Content-Disposition"]
    archive = _zip(response)
    assert "index.xml" in archive.namelist()
    transactions = archive.read("transactions.csv").decode()
    assert transactions.count("\r\n") == 1 + 2  # header, the float and the sale
    with scopes_disabled():
        entry = AuditEntry.objects.get(organization=organization, action="fiscal.dsfinvk.exported")
    assert entry.data["closings"] == 1


def test_a_store_bound_manager_exports_only_their_store(organization, two_stores):
    mine, other = two_stores
    client = _client_for(organization, mine)
    page = client.get(reverse("fiscal:dsfinvk-export"))
    assert page.status_code == 200
    assert "Filiale Mitte" in page.content.decode()
    assert "Filiale Süd" not in page.content.decode()
    assert client.get(reverse("fiscal:dsfinvk-export"), {**_dates(), "store": mine.pk}).status_code == 200
    # The other store as a choice is refused, its URL is a 404 like a missing store
    assert client.get(reverse("fiscal:dsfinvk-export"), {**_dates(), "store": other.pk}).status_code == 400
    url = reverse("fiscal:dsfinvk-store-export", kwargs={"store_pk": other.pk})
    assert client.get(url, _dates()).status_code == 404
    # A register of another store is refused too
    with scopes_disabled():
        foreign = other.registers.get()
    refused = client.get(reverse("fiscal:dsfinvk-export"), {**_dates(), "store": mine.pk, "register": foreign.pk})
    assert refused.status_code == 400


def test_a_cashier_exports_nothing_and_a_refusal_says_why(organization, store, two_stores, owner_client):
    cashier = _client_for(organization, store, Role.CASHIER)
    assert cashier.get(reverse("fiscal:dsfinvk-export")).status_code in {302, 403}
    url = reverse("fiscal:dsfinvk-store-export", kwargs={"store_pk": store.pk})
    backwards = owner_client.get(url, {"date_from": "2026-12-08", "date_to": "2026-12-01"})
    assert backwards.status_code == 400
    assert "vor seinem Anfang" in backwards.content.decode()  # the owner reads German
    empty = owner_client.get(url, {"date_from": "2020-01-01", "date_to": "2020-01-31"})
    assert empty.status_code == 400
    assert "Keine Kasse dieser Auswahl" in empty.content.decode()
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="fiscal.dsfinvk.exported").exists()


def test_the_command_writes_the_same_files_as_the_page(tmp_path, organization, store, two_stores, owner_client):
    out = tmp_path / "export.zip"
    call_command(
        "dsfinvk_export",
        "--org",
        str(organization.pk),
        "--store",
        str(store.number),
        "--from",
        _dates()["date_from"],
        "--to",
        _dates()["date_to"],
        "--out",
        str(out),
    )
    page = _zip(owner_client.get(reverse("fiscal:dsfinvk-export"), {**_dates(), "store": store.pk}))
    written = zipfile.ZipFile(out)
    for name in ("transactions.csv", "lines.csv", "businesscases.csv", "cashpointclosing.csv"):
        assert written.read(name) == page.read(name)
    with pytest.raises(CommandError, match="Keine Kasse|No register"):
        call_command(
            "dsfinvk_export",
            "--org",
            str(organization.pk),
            "--store",
            str(store.number),
            "--from",
            "2020-01-01",
            "--to",
            "2020-01-02",
            "--out",
            str(tmp_path / "none.zip"),
        )
    assert not (tmp_path / "none.zip").exists()
