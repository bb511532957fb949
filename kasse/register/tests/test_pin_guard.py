"""Wrong PINs are counted in the database per device and per organization, and lockouts reach the owner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.models import AuditEntry
from kasse.register.models import CartLine, PinThrottle
from kasse.register.services import pin_guard
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, RegisterFactory, StoreFactory, UserFactory
from kasse.testing.plugin import paired_client
from kasse.testing.register_login import approval, unlock_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The guard's clock, moved forward by the test."""
    now = [timezone.now()]
    monkeypatch.setattr(pin_guard.timezone, "now", lambda: now[0])
    return now


def _error(response) -> str:
    element = BeautifulSoup(response.content, "html.parser").select_one("[data-testid=pin-error]")
    return element.text if element else ""


def test_typing_ones_own_pin_between_guesses_does_not_reset_the_count(device, cashier, manager):
    # Clara guesses Max's PIN four times, switching in with her own PIN in between
    for guess in ("0000", "0001"):
        assert device.post("/register/unlock/", unlock_data(manager, guess)).status_code == 403
    assert device.post("/register/unlock/", unlock_data(cashier, "1111")).status_code == 302
    device.post("/register/lock/now/")
    for guess in ("0002", "0003"):
        assert device.post("/register/unlock/", unlock_data(manager, guess)).status_code == 403
    assert device.post("/register/unlock/", unlock_data(cashier, "1111")).status_code == 302
    device.post("/register/lock/now/")
    # The fifth wrong PIN locks the device, her own PIN included
    assert device.post("/register/unlock/", unlock_data(manager, "0004")).status_code == 403
    locked = device.post("/register/unlock/", unlock_data(cashier, "1111"), HTTP_ACCEPT_LANGUAGE="de")
    assert locked.status_code == 429
    assert _error(locked) == "Zu viele falsche PINs. Bitte 60 Sekunden warten."


def test_the_count_lives_in_the_database_not_in_one_process(device, cashier):
    for _ in range(5):
        device.post("/register/unlock/", unlock_data(cashier, "0000"))
    # Another worker process has an empty cache of its own; the lockout holds there as well
    cache.clear()
    assert device.post("/register/unlock/", unlock_data(cashier, "1111")).status_code == 429
    with scopes_disabled():
        assert sorted((row.device_id is None, row.failures) for row in PinThrottle.objects.all()) == [
            (False, 5),
            (True, 5),
        ]


def test_each_further_wrong_pin_locks_longer(device, cashier, clock):
    for _ in range(5):
        device.post("/register/unlock/", unlock_data(cashier, "0000"))
    locks = []
    for _ in range(3):
        with scopes_disabled():
            row = PinThrottle.objects.get(device__isnull=False)
        locks.append(row.locked_until - clock[0])
        clock[0] = row.locked_until + timedelta(seconds=1)
        assert device.post("/register/unlock/", unlock_data(cashier, "0000")).status_code == 403
    assert locks == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert device.post("/register/unlock/", unlock_data(cashier, "1111")).status_code == 429


def test_wrong_pins_are_forgiven_only_after_quiet_time(device, cashier, clock):
    for _ in range(4):
        device.post("/register/unlock/", unlock_data(cashier, "0000"))
    # Twenty quiet minutes forgive two of the four
    clock[0] += timedelta(minutes=20)
    for _ in range(2):
        assert device.post("/register/unlock/", unlock_data(cashier, "0000")).status_code == 403
    assert device.post("/register/unlock/", unlock_data(cashier, "0000")).status_code == 403
    assert device.post("/register/unlock/", unlock_data(cashier, "1111")).status_code == 429


def test_the_organization_count_locks_every_register_when_guesses_are_spread(organization, store, cashier):
    # Four wrong PINs on each of five registers: no device reaches its limit, the organization does
    clients = [
        paired_client(RegisterFactory(store=store, organization=organization, number=n), token=f"t{n}")
        for n in range(1, 7)
    ]
    for client in clients[:5]:
        for _ in range(4):
            assert client.post("/register/unlock/", unlock_data(cashier, "0000")).status_code == 403
    fresh = clients[5].post("/register/unlock/", unlock_data(cashier, "1111"), HTTP_ACCEPT_LANGUAGE="en")
    assert fresh.status_code == 429
    assert _error(fresh) == "Too many wrong PINs. Please wait 60 seconds."
    with scopes_disabled():
        [entry] = AuditEntry.objects.filter(action="register.pin.locked_out")
    assert (entry.data["scope"], entry.data["failures"], entry.data["seconds"]) == ("organization", 20, 60)


def test_manager_approval_pins_count_with_the_lock_screen(till, bakery, manager, cashier):
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    with scopes_disabled():
        line = CartLine.objects.get()
    for guess in ("0000", "0001", "0002"):
        refused = till.post(
            f"/register/cart/line/{line.pk}/price/",
            {"price": "1,00", **approval(manager, guess)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert "Wrong PIN for Max." in refused.content.decode()
    for guess in ("0003", "0004"):
        till.post("/register/print/drawer/", approval(manager, guess))
    locked = till.post(
        f"/register/cart/line/{line.pk}/price/",
        {"price": "1,00", **approval(manager, "2222")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Too many wrong PINs" in locked.content.decode()
    with scopes_disabled():
        assert CartLine.objects.get().unit_price is None
        entry = AuditEntry.objects.get(action="register.pin.locked_out", data__scope="device")
    assert (entry.data["purpose"], entry.data["employee"], entry.data["failures"]) == ("approval", str(manager.pk), 5)


def test_the_owner_sees_lockouts_on_the_start_page(device, cashier, owner_client, organization, store):
    for _ in range(5):
        device.post("/register/unlock/", unlock_data(cashier, "0000"))
    page = BeautifulSoup(owner_client.get("/", HTTP_ACCEPT_LANGUAGE="de").content, "html.parser")
    box = page.select_one("[data-testid=pin-lockouts]")
    assert box.select_one("h2").text == "Kassen nach falschen PINs gesperrt (letzte 7 Tage)"
    [row] = box.select("[data-testid=pin-lockout]")
    cells = [td.text for td in row.select("td")][1:]
    assert cells == ["Filiale Mitte", "Kasse 1", "Clara", "diese Kasse, 1 Minute"]
    # A manager of another store does not see this store's lockouts
    user = UserFactory(email="other@example.org")
    EmployeeFactory(organization=organization, user=user, role=(StoreFactory(organization=organization), Role.MANAGER))
    other = Client()
    other.force_login(user)
    assert "pin-lockouts" not in other.get("/").content.decode()


def test_a_tile_picked_without_a_pin_is_not_a_guess(device, cashier):
    # Enter on a tile before typing the PIN asks for it and counts nothing
    for _ in range(6):
        empty = device.post("/register/unlock/", unlock_data(cashier, ""), HTTP_ACCEPT_LANGUAGE="de")
        assert (empty.status_code, _error(empty)) == (400, "Bitte geben Sie Ihre PIN ein.")
    assert device.post("/register/unlock/", unlock_data(cashier, "1111")).status_code == 302


def test_approval_dialogs_name_the_managers_of_this_store(till, bakery, organization, manager, cashier):
    EmployeeFactory(
        organization=organization,
        display_name="Paul",
        pin="654321",
        role=(StoreFactory(organization=organization), Role.MANAGER),
    )
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    with scopes_disabled():
        line = CartLine.objects.get()
    for url in (
        f"/register/cart/line/{line.pk}/discount/",
        f"/register/cart/line/{line.pk}/price/",
        "/register/print/drawer/form/",
    ):
        page = BeautifulSoup(till.get(url, HTTP_ACCEPT_LANGUAGE="de").content, "html.parser")
        options = [o.text for o in page.select("[data-testid=approver-select] option")]
        assert options == ["– bitte wählen –", "Max"], url  # not Clara (no approval), not Paul (other store)
