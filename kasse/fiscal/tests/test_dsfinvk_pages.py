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

from kasse.bookkeeping.dsfinvk_exports import run_dsfinvk_export
from kasse.bookkeeping.models import ExportFormat, ExportStatus, SalesExport
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


def _export(client, capture, data, url=None):
    """Ask for the export (the worker writes it at the commit, as the immediate task backend does here),
    then download it from Exports; the response of the request and of the download."""
    with capture(execute=True):
        asked = client.post(url or reverse("fiscal:dsfinvk-export"), data)
    if asked.status_code != 302:
        return asked, None
    with scopes_disabled():
        export = SalesExport.objects.filter(format=ExportFormat.DSFINVK).latest("created_at")
    return asked, client.get(reverse("bookkeeping:export-download", args=[export.pk]))


def test_an_owner_exports_a_store_in_the_background_and_it_is_audited(
    owner_client, organization, two_stores, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    store, _other = two_stores
    # The form fills in from a kept link; nothing is written by opening it
    page = owner_client.get(reverse("fiscal:dsfinvk-export"), {**_dates(), "store": store.pk})
    assert page.status_code == 200
    with scopes_disabled():
        assert not SalesExport.objects.exists()
    asked, response = _export(owner_client, django_capture_on_commit_callbacks, {**_dates(), "store": store.pk})
    assert asked["Location"].startswith(reverse("bookkeeping:export-list"))
    with scopes_disabled():
        export = SalesExport.objects.get()
    assert (export.status, export.line_count, export.lines_written) == (ExportStatus.DONE, 1, 1)
    # The list shows it with its closings and the download link
    listed = owner_client.get(reverse("bookkeeping:export-list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "DSFinV-K" in listed
    assert "1 Z-Bon" in listed
    assert response.status_code == 200
    assert 'filename="DSFinV-K_Filiale' in response["Content-Disposition"]
    archive = _zip(response)
    assert "index.xml" in archive.namelist()
    transactions = archive.read("transactions.csv").decode()
    assert transactions.count("\r\n") == 1 + 2  # header, the float and the sale
    with scopes_disabled():
        entry = AuditEntry.objects.get(organization=organization, action="fiscal.dsfinvk.exported")
    assert entry.data["closings"] == 1
    # A second delivery of the task writes nothing again
    finished = export.finished_at
    run_dsfinvk_export(str(export.pk))
    with scopes_disabled():
        assert SalesExport.objects.get().finished_at == finished


def test_a_store_bound_manager_exports_only_their_store(organization, two_stores):
    mine, other = two_stores
    client = _client_for(organization, mine)
    page = client.get(reverse("fiscal:dsfinvk-export"))
    assert page.status_code == 200
    assert "Filiale Mitte" in page.content.decode()
    assert "Filiale Süd" not in page.content.decode()
    assert client.post(reverse("fiscal:dsfinvk-export"), {**_dates(), "store": mine.pk}).status_code == 302
    # The other store as a choice is refused, its URL is a 404 like a missing store
    assert client.post(reverse("fiscal:dsfinvk-export"), {**_dates(), "store": other.pk}).status_code == 400
    url = reverse("fiscal:dsfinvk-store-export", kwargs={"store_pk": other.pk})
    assert client.get(url, _dates()).status_code == 404
    assert client.post(url, _dates()).status_code == 404
    # A register of another store is refused too
    with scopes_disabled():
        foreign = other.registers.get()
    refused = client.post(reverse("fiscal:dsfinvk-export"), {**_dates(), "store": mine.pk, "register": foreign.pk})
    assert refused.status_code == 400
    with scopes_disabled():
        assert SalesExport.objects.count() == 1


def test_a_cashier_exports_nothing_and_a_refusal_says_why(organization, store, two_stores, owner_client):
    cashier = _client_for(organization, store, Role.CASHIER)
    assert cashier.get(reverse("fiscal:dsfinvk-export")).status_code in {302, 403}
    url = reverse("fiscal:dsfinvk-store-export", kwargs={"store_pk": store.pk})
    backwards = owner_client.post(url, {"date_from": "2026-12-08", "date_to": "2026-12-01"})
    assert backwards.status_code == 400
    assert "vor seinem Anfang" in backwards.content.decode()  # the owner reads German
    empty = owner_client.post(url, {"date_from": "2020-01-01", "date_to": "2020-01-31"})
    assert empty.status_code == 400
    assert "Keine Kasse dieser Auswahl" in empty.content.decode()
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="fiscal.dsfinvk.exported").exists()
        assert not SalesExport.objects.exists()


def test_the_command_writes_the_same_files_as_the_page(
    tmp_path, organization, store, two_stores, owner_client, django_capture_on_commit_callbacks, settings
):
    settings.DATA_DIR = tmp_path / "data"
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
    _asked, response = _export(owner_client, django_capture_on_commit_callbacks, {**_dates(), "store": store.pk})
    page = _zip(response)
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
