"""Pairing a browser to a register and switching cashiers in with a PIN."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.register.models import PairingCode, RegisterDevice
from kasse.register.services.pairing import DEVICE_COOKIE
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, StoreFactory
from kasse.testing.register_login import unlock_data

pytestmark = pytest.mark.django_db


def _code_from(response) -> str:
    return BeautifulSoup(response.content, "html.parser").select_one("[data-testid=pairing-code]").text.replace(" ", "")


def test_owner_creates_a_code_and_a_browser_pairs_with_it(owner_client, register):
    # Given a code created in the back office
    code = _code_from(owner_client.post(f"/devices/register/{register.pk}/pairing-code/"))
    # When a fresh browser enters it
    browser = Client()
    response = browser.post("/register/pair/", {"code": code, "name": "Tablet vorne"})
    # Then it is a paired device with a long-lived, http-only cookie, and the code is used up
    assert response.status_code == 302
    assert response["Location"] == "/register/lock/"
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"]
    assert int(cookie["max-age"]) > 365 * 24 * 3600
    with scopes_disabled():
        assert RegisterDevice.objects.get().name == "Tablet vorne"
    again = Client().post("/register/pair/", {"code": code}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400
    assert "unknown or has expired" in again.content.decode()


def test_pairing_codes_are_stored_salted_and_slow(owner_client, register):
    # The store node's replica holds these rows: an 8-digit code must not be one SHA-256 away
    code = _code_from(owner_client.post(f"/devices/register/{register.pk}/pairing-code/"))
    with scopes_disabled():
        digest = PairingCode.objects.get().code_digest
    kind, salt, value = digest.split("$")
    assert (kind, len(salt)) == ("scrypt", 16)
    assert hashlib.sha256(code.encode()).hexdigest() not in digest
    assert value == hashlib.scrypt(code.encode(), salt=salt.encode(), n=2**13, r=8, p=1, dklen=32).hex()
    assert len(digest) <= PairingCode._meta.get_field("code_digest").max_length
    assert Client().post("/register/pair/", {"code": code}).status_code == 302


def test_expired_code_pairs_nothing(owner_client, register):
    code = _code_from(owner_client.post(f"/devices/register/{register.pk}/pairing-code/"))
    with scopes_disabled():
        PairingCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().post("/register/pair/", {"code": code}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400
    assert "abgelaufen" in response.content.decode() or "expired" in response.content.decode()
    with scopes_disabled():
        assert not RegisterDevice.objects.exists()


def test_unpaired_browser_is_sent_to_pairing(client, db):
    assert client.get("/register/")["Location"] == "/register/pair/"


def test_revoked_device_is_sent_to_pairing_at_once(device, register, owner_client):
    with scopes_disabled():
        device_row = RegisterDevice.objects.get()
    owner_client.post(f"/devices/device/{device_row.pk}/revoke/")
    assert device.get("/register/")["Location"] == "/register/pair/"


def test_pin_unlocks_and_wrong_pin_is_refused(device, cashier):
    wrong = device.post("/register/unlock/", unlock_data(cashier, "9999"), HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 403
    page = BeautifulSoup(wrong.content, "html.parser")
    assert page.select_one("[data-testid=pin-error]").text == "Wrong PIN. Please try again."
    # The tile stays picked, so she only types the PIN again
    assert page.select_one(f"[data-employee='{cashier.pk}'] input").has_attr("checked")
    assert device.get("/register/")["Location"] == "/register/lock/"
    assert device.post("/register/unlock/", unlock_data(cashier, "1111"))["Location"] == "/register/"
    page = BeautifulSoup(device.get("/register/").content, "html.parser")
    assert page.select_one("[data-testid=cashier]").text == "Clara"


def test_lock_screen_shows_a_tile_for_everybody_who_may_sell_here(device, organization, store, cashier, manager):
    # Given an owner (all stores), a cashier of another store and one without a PIN
    EmployeeFactory(organization=organization, display_name="Olga", pin="123456", role=Role.OWNER)
    EmployeeFactory(
        organization=organization,
        display_name="Paul",
        pin="4444",
        role=(StoreFactory(organization=organization), Role.CASHIER),
    )
    EmployeeFactory(organization=organization, display_name="Nina", role=(store, Role.CASHIER))
    page = BeautifulSoup(device.get("/register/lock/", HTTP_ACCEPT_LANGUAGE="de").content, "html.parser")
    tiles = [tile.select_one("span").text for tile in page.select("[data-testid=staff-tile]")]
    assert tiles == ["Clara", "Max", "Olga"]
    assert page.select_one("[data-testid=staff-tiles] legend").text == "Wer arbeitet?"
    assert page.select_one("[data-testid=employee-number]")["name"] == "employee_number"


def test_employee_number_instead_of_a_tile(device, organization, store):
    lena = EmployeeFactory(
        organization=organization, display_name="Lena", employee_number="011", pin="1234", role=(store, Role.CASHIER)
    )
    assert device.post("/register/unlock/", {"employee_number": "011", "pin": "1234"})["Location"] == "/register/"
    device.post("/register/lock/now/")
    unknown = device.post("/register/unlock/", {"employee_number": "099", "pin": "1234"}, HTTP_ACCEPT_LANGUAGE="de")
    assert unknown.status_code == 400
    error = BeautifulSoup(unknown.content, "html.parser").select_one("[data-testid=pin-error]").text
    assert error == "Unbekannte Personalnummer."
    nobody = device.post("/register/unlock/", {"pin": "1234"}, HTTP_ACCEPT_LANGUAGE="en")
    assert nobody.status_code == 400
    assert "Please tap your name" in nobody.content.decode()
    assert lena.pk


def test_a_pin_only_opens_the_register_for_the_employee_picked(device, organization, store, cashier):
    # Given Jonas has the same PIN as Clara (PINs need not be unique)
    jonas = EmployeeFactory(organization=organization, display_name="Jonas", pin="1111", role=(store, Role.CASHIER))
    assert device.post("/register/unlock/", unlock_data(jonas, "1111"))["Location"] == "/register/"
    page = BeautifulSoup(device.get("/register/").content, "html.parser")
    assert page.select_one("[data-testid=cashier]").text == "Jonas"
    # And a PIN typed for somebody else who is not allowed here opens nothing
    device.post("/register/lock/now/")
    paul = EmployeeFactory(
        organization=organization,
        display_name="Paul",
        pin="4444",
        role=(StoreFactory(organization=organization), Role.CASHIER),
    )
    assert device.post("/register/unlock/", unlock_data(paul, "4444")).status_code == 400


def test_five_wrong_pins_lock_the_device_for_a_minute(device, cashier):
    for _ in range(5):
        device.post("/register/unlock/", unlock_data(cashier, "0000"))
    response = device.post("/register/unlock/", unlock_data(cashier, "1111"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    error = BeautifulSoup(response.content, "html.parser").select_one("[data-testid=pin-error]").text
    assert error == "Too many wrong PINs. Please wait 60 seconds."


def test_cashier_of_another_store_cannot_unlock(device, organization):
    other = EmployeeFactory(
        organization=organization, pin="3333", role=(StoreFactory(organization=organization), Role.CASHIER)
    )
    assert device.post("/register/unlock/", unlock_data(other, "3333")).status_code == 400
    assert (
        device.post("/register/unlock/", {"employee_number": other.employee_number or "x", "pin": "3333"}).status_code
        == 400
    )


def test_lock_button_locks(till):
    till.post("/register/lock/now/")
    assert till.get("/register/")["Location"] == "/register/lock/"


def test_manifest_and_icon_make_the_register_installable(device):
    manifest = device.get("/register/manifest.webmanifest").json()
    assert manifest["display"] == "fullscreen"
    assert manifest["start_url"] == "/register/"
    icon = device.get("/register/icon-192.png")
    assert icon["Content-Type"] == "image/png"
    assert icon.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_customer_display_idle_screen_shows_the_shop_and_its_offers(device, register, store):
    from kasse.core.actors import Actor
    from kasse.register.services.settings import save_register_settings

    save_register_settings(
        actor=Actor.system(), store=store, data={"display_message": "Heute: 6 Schrippen 2,50 €\n\nKaffee to go 1,50 €"}
    )
    page = BeautifulSoup(device.get("/register/display/").content, "html.parser")
    assert page.select_one("[data-testid=display-idle] h1").text == register.organization.name
    assert [li.text for li in page.select("[data-testid=display-offers] li")] == [
        "Heute: 6 Schrippen 2,50 €",
        "Kaffee to go 1,50 €",
    ]


def test_campaign_messages_scheduled_now_show_on_the_register_lock_screen_and_the_customer_display(
    device, register, store
):
    from kasse.core.actors import Actor
    from kasse.marketing.services import save_campaign
    from kasse.register.services.settings import save_register_settings

    now = timezone.now()
    for name, message, start, end in [
        ("Jetzt", "Brot ab 18 Uhr −50 %", now - timedelta(hours=1), now + timedelta(hours=1)),
        ("Morgen", "Morgen: Kuchentag", now + timedelta(days=1), now + timedelta(days=2)),
        ("Vorbei", "Gestern: Sommerfest", now - timedelta(days=2), now - timedelta(days=1)),
        ("Ohne Ende", "Stempelkarte: jeder 10. Kaffee gratis", now - timedelta(days=3), None),
    ]:
        save_campaign(
            actor=Actor.system(),
            organization=register.organization,
            data={"name": name, "display_message": message, "display_from": start, "display_until": end},
        )
    save_register_settings(actor=Actor.system(), store=store, data={"display_message": "Kaffee to go 1,50 €"})
    expected = ["Stempelkarte: jeder 10. Kaffee gratis", "Brot ab 18 Uhr −50 %", "Kaffee to go 1,50 €"]
    display = BeautifulSoup(device.get("/register/display/").content, "html.parser")
    assert [li.text for li in display.select("[data-testid=display-offers] li")] == expected
    lock = BeautifulSoup(device.get("/register/lock/", HTTP_ACCEPT_LANGUAGE="de").content, "html.parser")
    offers = lock.select_one("[data-testid=lock-offers]")
    assert offers.h2.text == "Aktuelle Angebote"
    assert [li.text for li in offers.select("li")] == expected
