"""Settings pages as an owner uses them: organization, stores, registers; who may see them."""

from __future__ import annotations

import datetime

import pytest
from django_scopes import scopes_disabled

from kasse.core.models import AuditEntry
from kasse.tenancy.models import Organization, Register, Store
from kasse.tenancy.tests.conftest import DE
from kasse.testing.factories import RegisterFactory, StoreFactory
from kasse.testing.plugin import soup_of, texts

pytestmark = pytest.mark.django_db

ORG_POST = {
    "name": "Bäckerei Sonne",
    "legal_name": "Bäckerei Sonne GmbH",
    "street": "Hauptstraße 5",
    "postal_code": "10115",
    "city": "Berlin",
    "vat_id": "de 123 456 789",
    "tax_number": "",
    "email": "info@sonne.example",
    "phone": "030 1234",
    "language": "de",
}
STORE_POST = {
    "name": "Filiale Süd",
    "number": "",
    "street": "Südring 3",
    "postal_code": "12345",
    "city": "Potsdam",
    "time_zone": "Europe/Berlin",
    "currency": "EUR",
    "phone": "",
    "email": "",
    "receipt_footer": "Danke für Ihren Einkauf!",
    "is_active": "on",
}


def _audit_count() -> int:
    with scopes_disabled():
        return AuditEntry.objects.count()


def test_settings_overview_shows_the_organization_and_its_stores(owner_client, organization, store):
    # Given an organization with one store and one register
    RegisterFactory(store=store, organization=organization)
    # When the owner opens the settings
    page = soup_of(owner_client.get("/settings/", **DE))
    # Then they see the legal name, the VAT ID and the store with its register count
    assert texts(page, "org-legal-name") == [organization.legal_name]
    assert texts(page, "org-vat-id") == ["DE123456789"]
    assert "Filiale Mitte 1 Kasse" in texts(page, "settings-stores")[0]


def test_owner_changes_the_organization_and_the_vat_id_is_normalised(owner_client, organization):
    # When the owner saves new organization details with a spaced, lower-case VAT ID
    response = owner_client.post("/settings/organization/", ORG_POST, **DE)
    # Then the organization has them, the VAT ID is normalised, and it is audited
    assert response.status_code == 302
    organization.refresh_from_db()
    assert (organization.name, organization.legal_name, organization.vat_id, organization.email) == (
        "Bäckerei Sonne",
        "Bäckerei Sonne GmbH",
        "DE123456789",
        "info@sonne.example",
    )
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="tenancy.organization.changed").count() == 1


def test_invalid_vat_id_is_refused_in_german_and_nothing_changes(owner_client, organization):
    # Given the stored organization
    before = Organization.objects.values().get(pk=organization.pk)
    audits = _audit_count()
    # When the owner enters a VAT ID with 8 digits
    response = owner_client.post("/settings/organization/", {**ORG_POST, "vat_id": "DE12345678"}, **DE)
    # Then the page says what is wrong, in German, next to the field, and nothing was saved
    assert response.status_code == 400
    assert texts(soup_of(response), "error-vat_id") == [
        "Eine deutsche USt-IdNr. besteht aus „DE“ und 9 Ziffern, z. B. DE123456789."
    ]
    assert Organization.objects.values().get(pk=organization.pk) == before
    assert _audit_count() == audits


def test_organization_needs_a_vat_id_or_a_tax_number(owner_client, organization):
    response = owner_client.post("/settings/organization/", {**ORG_POST, "vat_id": "", "tax_number": ""}, **DE)
    assert response.status_code == 400
    assert texts(soup_of(response), "error-vat_id") == [
        "Belege brauchen eine USt-IdNr. oder eine Steuernummer; bitte geben Sie eine davon an."
    ]


def test_owner_creates_a_store_with_the_next_number(owner_client, organization, store):
    # When the owner creates a second store without a number
    response = owner_client.post("/settings/stores/new/", {**STORE_POST, "time_zone": "Europe/Vienna"}, **DE)
    # Then it gets the next number and everything typed in
    assert response.status_code == 302
    with scopes_disabled():
        new = Store.objects.get(organization=organization, name="Filiale Süd")
    assert (new.number, new.city, new.time_zone, new.currency, new.receipt_footer, new.is_active) == (
        store.number + 1,
        "Potsdam",
        "Europe/Vienna",
        "EUR",
        "Danke für Ihren Einkauf!",
        True,
    )
    assert response["Location"] == f"/settings/stores/{new.pk}/"


def test_the_time_zone_is_a_select_of_iana_names(owner_client, store):
    page = soup_of(owner_client.get(f"/settings/stores/{store.pk}/", **DE))
    select = page.select_one("select[name=time_zone]")
    values = [o["value"] for o in select.select("option")]
    assert values[0] == "Europe/Berlin"
    assert "America/New_York" in values
    assert select.select_one("option[selected]")["value"] == "Europe/Berlin"


def test_unknown_time_zone_is_refused_and_the_store_stays(owner_client, store):
    with scopes_disabled():
        before = Store.objects.values().get(pk=store.pk)
    response = owner_client.post(
        f"/settings/stores/{store.pk}/", {**STORE_POST, "number": store.number, "time_zone": "Europe/Atlantis"}, **DE
    )
    assert response.status_code == 400
    assert texts(soup_of(response), "error-time_zone") == ["„Europe/Atlantis“ ist keine bekannte Zeitzone."]
    with scopes_disabled():
        assert Store.objects.values().get(pk=store.pk) == before


def test_duplicate_store_number_is_refused(owner_client, organization, store):
    other = StoreFactory(organization=organization)
    response = owner_client.post(f"/settings/stores/{other.pk}/", {**STORE_POST, "number": store.number}, **DE)
    assert response.status_code == 400
    assert texts(soup_of(response), "error-number") == [f"Eine andere Filiale hat bereits die Nummer {store.number}."]
    other.refresh_from_db()
    assert other.number != store.number


def test_store_page_lists_its_registers(owner_client, organization, store):
    RegisterFactory(store=store, organization=organization, number=2, name="Theke", serial_number="SN-THEKE")
    page = soup_of(owner_client.get(f"/settings/stores/{store.pk}/", **DE))
    assert texts(page, "register-name") == ["Theke"]
    assert texts(page, "register-serial") == ["SN-THEKE"]


def test_owner_adds_a_register_with_a_made_up_serial(owner_client, organization, store):
    # Given a store with register 1
    RegisterFactory(store=store, organization=organization, number=1)
    # When the owner adds a register without number and serial
    response = owner_client.post(
        f"/settings/stores/{store.pk}/registers/new/",
        {"name": "Kasse Café", "number": "", "serial_number": "", "is_active": "on"},
        **DE,
    )
    # Then it is register 2 with a generated serial
    assert response.status_code == 302
    with scopes_disabled():
        register = Register.objects.get(store=store, name="Kasse Café")
    assert register.number == 2
    assert register.serial_number == f"K{store.number:02d}-02-{str(organization.pk)[-8:].upper()}"


def test_duplicate_register_number_is_refused(owner_client, organization, store):
    RegisterFactory(store=store, organization=organization, number=1)
    response = owner_client.post(
        f"/settings/stores/{store.pk}/registers/new/",
        {"name": "Doppelt", "number": "1", "serial_number": "SN-NEU"},
        **DE,
    )
    assert response.status_code == 400
    assert texts(soup_of(response), "error-number") == ["Diese Filiale hat bereits eine Kasse mit dieser Nummer."]
    with scopes_disabled():
        assert not Register.objects.filter(name="Doppelt").exists()


def test_duplicate_register_serial_is_refused_across_stores(owner_client, organization, store):
    # Given a register with serial SN-1 in another store of the organization
    elsewhere = StoreFactory(organization=organization)
    RegisterFactory(store=elsewhere, organization=organization, serial_number="SN-1")
    register = RegisterFactory(store=store, organization=organization, number=3, serial_number="SN-2")
    # When the owner gives a register of this store the same serial
    response = owner_client.post(
        f"/settings/registers/{register.pk}/",
        {"name": "Kasse 3", "number": "3", "serial_number": "SN-1", "is_active": "on"},
        **DE,
    )
    # Then it is refused and the register keeps its serial
    assert response.status_code == 400
    assert texts(soup_of(response), "error-serial_number") == ["Eine andere Kasse hat bereits diese Seriennummer."]
    register.refresh_from_db()
    assert register.serial_number == "SN-2"


def test_a_register_of_another_store_number_may_repeat(owner_client, organization, store):
    elsewhere = StoreFactory(organization=organization)
    RegisterFactory(store=elsewhere, organization=organization, number=1)
    response = owner_client.post(
        f"/settings/stores/{store.pk}/registers/new/", {"name": "Kasse 1", "number": "1", "serial_number": "SN-X"}, **DE
    )
    assert response.status_code == 302


@pytest.mark.parametrize("url", ["/settings/", "/settings/organization/", "/settings/stores/", "/settings/stores/new/"])
def test_cashier_with_a_login_gets_403_on_settings(cashier_client, url):
    assert cashier_client.get(url).status_code == 403


def test_cashier_cannot_post_organization_changes(cashier_client, organization):
    response = cashier_client.post("/settings/organization/", ORG_POST)
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name != "Bäckerei Sonne"


def test_manager_may_not_change_settings(manager_client, store):
    assert manager_client.get(f"/settings/stores/{store.pk}/").status_code == 403


def test_settings_pages_speak_english_too(owner_client, store):
    page = soup_of(owner_client.get(f"/settings/stores/{store.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert page.select_one("label[for=id_time_zone]").text == "time zone"
    assert page.select_one("[data-testid=register-create]").text == "New register"


def test_a_stores_closing_time_for_the_daily_summary_is_set_in_its_settings(owner_client, store):
    page = soup_of(owner_client.get(f"/settings/stores/{store.pk}/", **DE))
    field = page.select_one("input[name=summary_time]")
    assert field["type"] == "time"
    assert page.select_one("label[for=id_summary_time]").get_text(strip=True).startswith("Tageszusammenfassung nach")
    assert "Leer: 22:00 Uhr." in page.get_text()
    response = owner_client.post(
        f"/settings/stores/{store.pk}/", {**STORE_POST, "number": store.number, "summary_time": "19:30"}, **DE
    )
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.summary_time == datetime.time(19, 30)
    page = soup_of(owner_client.get(f"/settings/stores/{store.pk}/", **DE))
    assert page.select_one("input[name=summary_time]")["value"] == "19:30"
    # After midnight the "day" would be the next one: refused in German, the store keeps its time
    response = owner_client.post(
        f"/settings/stores/{store.pk}/", {**STORE_POST, "number": store.number, "summary_time": "01:00"}, **DE
    )
    assert response.status_code == 400
    assert texts(soup_of(response), "error-summary_time") == [
        "Die Zusammenfassung umfasst den Kalendertag: Bitte wählen Sie eine Uhrzeit zwischen 12:00 und 23:59."
    ]
    # Emptied: the usual time again
    owner_client.post(f"/settings/stores/{store.pk}/", {**STORE_POST, "number": store.number}, **DE)
    store.refresh_from_db()
    assert store.summary_time is None
