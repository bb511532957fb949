"""The DATEV pages and command: who may export what, the settings form, the download, the CLI file."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from kasse.core.models import AuditEntry
from kasse.fiscal.datev_settings import DatevSettings
from kasse.fiscal.tests.datev_world import add_sale, configure, open_shift, parse, unquote
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, RegisterFactory, StoreFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 12, 7, 10, tzinfo=BERLIN)
DATES = {"date_from": "2026-12-07", "date_to": "2026-12-07"}


@pytest.fixture
def two_stores(organization, store, register):
    configure(organization)
    other = StoreFactory(organization=organization, name="Filiale Süd", number=902)
    add_sale(open_shift(register, DAY), DAY, {"19": "11.90"}, {"cash": "11.90"})
    add_sale(
        open_shift(RegisterFactory(store=other, organization=organization), DAY), DAY, {"7": "2.14"}, {"card": "2.14"}
    )
    return store, other


def _client_for(organization, store=None, role=Role.MANAGER) -> Client:
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, role) if store else role)
    client = Client()
    client.force_login(user)
    return client


def _texts(response) -> list[str]:
    _, _, rows = parse(b"".join(response.streaming_content))
    return [unquote(r[13]) for r in rows]


@pytest.mark.django_db
def test_an_owner_downloads_every_store_and_the_export_is_audited(owner_client, organization, two_stores):
    # When the owner downloads a day
    response = owner_client.get(reverse("fiscal:datev-export"), DATES)
    # Then the file of both stores comes as a Windows-1252 CSV attachment, and the export is in the audit log
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=windows-1252"
    assert response["Content-Disposition"] == 'attachment; filename="EXTF_Buchungsstapel_20261207_20261207.csv"'
    texts = _texts(response)
    assert any("Filiale Mitte" in t for t in texts)
    assert any("Filiale Süd" in t for t in texts)
    with scopes_disabled():
        assert AuditEntry.objects.filter(organization=organization, action="fiscal.datev.exported").count() == 1


@pytest.mark.django_db
def test_a_store_bound_manager_exports_only_their_store(organization, two_stores):
    mine, other = two_stores
    client = _client_for(organization, mine)
    # The page offers only their store
    page = client.get(reverse("fiscal:datev-export"))
    assert page.status_code == 200
    assert "Filiale Mitte" in page.content.decode()
    assert "Filiale Süd" not in page.content.decode()
    # "All my stores" is their store only
    texts = _texts(client.get(reverse("fiscal:datev-export"), DATES))
    assert texts
    assert all("Filiale Mitte" in t for t in texts)
    # The other store as a choice is refused, and its own URL is a 404 like a missing store
    assert client.get(reverse("fiscal:datev-export"), {**DATES, "store": other.pk}).status_code == 400
    assert client.get(reverse("fiscal:datev-store-export", kwargs={"store_pk": other.pk}), DATES).status_code == 404
    assert client.get(reverse("fiscal:datev-store-export", kwargs={"store_pk": mine.pk}), DATES).status_code == 200
    # And the settings are for owners only
    assert client.get(reverse("fiscal:datev-settings")).status_code == 403


@pytest.mark.django_db
def test_an_all_stores_manager_exports_every_store_and_a_cashier_nothing(organization, two_stores):
    texts = _texts(_client_for(organization).get(reverse("fiscal:datev-export"), DATES))
    assert any("Filiale Süd" in t for t in texts)
    assert any("Filiale Mitte" in t for t in texts)
    cashier = _client_for(organization, two_stores[0], Role.CASHIER)
    assert cashier.get(reverse("fiscal:datev-export"), DATES).status_code == 403


@pytest.mark.django_db
def test_a_refused_export_says_why_in_german_and_english(owner_client, organization, store):
    # Without settings: the page says what to do, in the user's language
    en = owner_client.get(reverse("fiscal:datev-export"), DATES, HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 400
    assert "Enter the consultant and client number in the DATEV settings first." in en.content.decode()
    owner_client.cookies.load({"django_language": "de"})
    de = owner_client.get(reverse("fiscal:datev-export"), {"date_from": "2026-12-07", "date_to": "2026-12-01"})
    assert de.status_code == 400
    assert "DATEV-Einstellungen" in de.content.decode()


@pytest.mark.django_db
def test_the_owner_saves_the_settings_and_a_wrong_account_length_is_refused(owner_client, organization):
    url = reverse("fiscal:datev-settings")
    form = {
        "consultant_number": "29098",
        "client_number": "55003",
        "fiscal_year_start_month": "1",
        "account_length": "4",
        "chart": "04",
    }
    # An account with five digits at length four is refused, nothing saved
    refused = owner_client.post(url, {**form, "card": "14650"})
    assert refused.status_code == 400
    assert 'data-testid="error-card"' in refused.content.decode()
    with scopes_disabled():
        assert not DatevSettings.objects.filter(organization=organization).exists()
    # The valid form is saved and audited; empty accounts take SKR04's defaults
    assert owner_client.post(url, {**form, "card": "1465"}).status_code == 302
    with scopes_disabled():
        saved = DatevSettings.objects.get(organization=organization)
        assert AuditEntry.objects.filter(organization=organization, action="fiscal.datev_settings.saved").exists()
    assert (saved.consultant_number, saved.account("card"), saved.account("cash"), saved.account("revenue_19")) == (
        29098,
        "1465",
        "1600",
        "4400",
    )
    assert owner_client.get(url).status_code == 200


@pytest.mark.django_db
def test_the_command_writes_the_same_bookings_as_the_page(owner_client, organization, two_stores, tmp_path):
    out = tmp_path / "datev.csv"
    call_command(
        "datev_export",
        "--org",
        str(organization.pk),
        "--from",
        "2026-12-07",
        "--to",
        "2026-12-07",
        "--store",
        "902",
        "--out",
        str(out),
    )
    _, _, rows = parse(out.read_bytes())
    page = owner_client.get(reverse("fiscal:datev-export"), {**DATES, "store": two_stores[1].pk})
    _, _, page_rows = parse(b"".join(page.streaming_content))
    assert rows == page_rows
    assert [r[7] for r in rows] == ["8300", "1590"]
    with pytest.raises(CommandError, match="two fiscal years|zwei Wirtschaftsjahre"):
        call_command(
            "datev_export",
            "--org",
            str(organization.pk),
            "--from",
            "2026-12-07",
            "--to",
            "2027-01-02",
            "--out",
            str(tmp_path / "x.csv"),
        )
    assert not (tmp_path / "x.csv").exists()
