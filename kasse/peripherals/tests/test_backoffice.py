"""The back office's scanner and pole display pages: add, refuse bad input, list with status and last
scan, test a display, switch off; every change goes to the store's change feed."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.core.models import AuditEntry
from kasse.hardware.displays.virtual_pole_display import VirtualPoleDisplay
from kasse.hardware.scanners.virtual_scanner import VirtualSerialScanner
from kasse.peripherals.models import PoleDisplay, Scanner
from kasse.peripherals.runner import PeripheralRunner
from kasse.peripherals.tests.conftest import FAST, wait_for
from kasse.sync.models import ChangeEvent
from kasse.testing.factories import RegisterFactory, StoreFactory
from kasse.testing.plugin import soup_of

SCANNER_POST = {
    "name": "Handscanner Kasse 1",
    "connection": "serial",
    "serial_device": "/dev/ttyACM0",
    "baud_rate": "9600",
    "strip_symbology_id": "on",
    "is_active": "on",
}
DISPLAY_POST = {
    "name": "Kundenanzeige",
    "serial_device": "/dev/ttyUSB0",
    "baud_rate": "9600",
    "code_page": "pc858",
    "is_active": "on",
}


@pytest.mark.django_db
def test_devices_page_links_to_scanners_and_pole_displays(owner_client, store):
    page = soup_of(owner_client.get("/devices/", HTTP_ACCEPT_LANGUAGE="de"))
    link = page.select_one("[data-testid=peripherals-link]")
    assert link["href"] == "/devices/peripherals/"
    assert link.text == "Scanner und Kundenanzeigen"


@pytest.mark.django_db
def test_owner_adds_a_serial_scanner_for_a_register(owner_client, store, register):
    assert owner_client.get(f"/devices/peripherals/scanners/new/{store.pk}/").status_code == 200
    response = owner_client.post(
        f"/devices/peripherals/scanners/new/{store.pk}/", {**SCANNER_POST, "register": register.pk}
    )
    assert response.status_code == 302
    with scopes_disabled():
        scanner = Scanner.objects.get()
        assert (scanner.store_id, scanner.register_id, scanner.serial_device, scanner.baud_rate) == (
            store.pk,
            register.pk,
            "/dev/ttyACM0",
            9600,
        )
        assert AuditEntry.objects.filter(action="peripherals.scanner.created", object_id=str(scanner.pk)).exists()
        # The node of the store gets it through the change feed
        event = ChangeEvent.objects.get(model="peripherals.Scanner", object_id=str(scanner.pk))
        assert event.store_id == store.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"serial_device": ""}, "serial_device", "Für diese Verbindung nötig."),
        ({"serial_device": "/etc/passwd"}, "serial_device", "Ein Gerät unter /dev/, bitte."),
        (
            {"baud_rate": "1234"},
            "baud_rate",
            "Einer dieser Werte, bitte: 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200.",
        ),
        (
            {"connection": "evdev", "input_device": "/dev/ttyACM0"},
            "input_device",
            "Ein Gerät unter /dev/input/, bitte (am besten /dev/input/by-id/…).",
        ),
        ({"connection": "evdev", "input_device": ""}, "input_device", "Für diese Verbindung nötig."),
    ],
)
def test_bad_scanner_settings_are_refused_in_german_and_nothing_is_saved(
    owner_client, store, register, changes, field, message
):
    response = owner_client.post(
        f"/devices/peripherals/scanners/new/{store.pk}/",
        {**SCANNER_POST, "register": register.pk, **changes},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 422
    assert soup_of(response).select_one(f"[data-testid=error-{field}]").text == message
    with scopes_disabled():
        assert not Scanner.objects.exists()
        assert not ChangeEvent.objects.exists()


@pytest.mark.django_db
def test_a_register_of_another_store_cannot_be_bound(owner_client, organization, store):
    elsewhere = RegisterFactory(store=StoreFactory(organization=organization), organization=organization)
    response = owner_client.post(
        f"/devices/peripherals/displays/new/{store.pk}/",
        {**DISPLAY_POST, "register": elsewhere.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert "Select a valid choice" in soup_of(response).select_one("[data-testid=error-register]").text
    with scopes_disabled():
        assert not PoleDisplay.objects.exists()


@pytest.mark.django_db
def test_the_list_shows_each_scanners_status_and_last_scan(owner_client, organization, store, register):
    with VirtualSerialScanner() as virtual:
        with scopes_disabled():
            scanner = Scanner.objects.create(
                organization=organization,
                store=store,
                register=register,
                name="Handscanner",
                serial_device=virtual.port,
            )
        with PeripheralRunner(refresh_seconds=3600, status_seconds=0.05, backoff=FAST) as runner:
            handle = runner.scanners[scanner.pk]
            assert wait_for(lambda: handle.state == "connected")
            virtual.scan("4006381333931")
            assert wait_for(lambda: handle.last_code == "4006381333931")
            runner.tick()
            page = soup_of(owner_client.get("/devices/peripherals/", HTTP_ACCEPT_LANGUAGE="de"))
    row = page.select_one(f"[data-testid=scanner-row][data-scanner='{scanner.pk}']")
    assert row.select_one("[data-testid=scanner-status]")["data-status"] == "connected"
    assert row.select_one("[data-testid=scanner-status]").text.strip() == "verbunden"
    assert row.select_one("[data-testid=scanner-last-scan] code").text == "4006381333931"
    # Once the runner is gone its status expires; until then the live partial shows the same
    live = soup_of(owner_client.get("/devices/peripherals/live/"))
    assert live.select_one("[data-testid=scanner-last-scan] code").text == "4006381333931"


@pytest.mark.django_db
def test_a_device_nobody_reported_for_90_seconds_is_unknown(owner_client, organization, store, register):
    with scopes_disabled():
        PoleDisplay.objects.create(
            organization=organization, store=store, register=register, name="Anzeige", serial_device="/dev/ttyUSB9"
        )
    page = soup_of(owner_client.get("/devices/peripherals/", HTTP_ACCEPT_LANGUAGE="de"))
    status = page.select_one("[data-testid=display-status]")
    assert status["data-status"] == "unknown"
    assert status.text.strip() == "Status unbekannt: seit 90 Sekunden keine Meldung"


@pytest.mark.django_db(transaction=True)
def test_the_test_button_shows_a_test_text_on_the_display(owner_client, organization, store, register):
    with VirtualPoleDisplay() as virtual:
        with scopes_disabled():
            display = PoleDisplay.objects.create(
                organization=organization, store=store, register=register, name="Anzeige", serial_device=virtual.port
            )
        with PeripheralRunner(refresh_seconds=3600, status_seconds=1.0, backoff=FAST):
            response = owner_client.post(f"/devices/peripherals/displays/{display.pk}/test/")
            assert response.status_code == 302
            assert virtual.wait_for(lambda lines: lines == ("kasse Test ÄÖÜ ß    ", "Anzeige   1.234,50 €"), 5)
    with scopes_disabled():
        display.refresh_from_db()
        assert display.test_requested_at is not None
        assert AuditEntry.objects.filter(action="peripherals.display.tested").count() == 1


@pytest.mark.django_db
def test_switching_off_a_display_and_on_again(owner_client, organization, store, register):
    with scopes_disabled():
        display = PoleDisplay.objects.create(
            organization=organization, store=store, register=register, name="Anzeige", serial_device="/dev/ttyUSB0"
        )
    assert owner_client.post(f"/devices/peripherals/displays/{display.pk}/deactivate/").status_code == 302
    with scopes_disabled():
        display.refresh_from_db()
        assert not display.is_active
    # A switched-off display cannot be tested
    owner_client.post(f"/devices/peripherals/displays/{display.pk}/test/", HTTP_ACCEPT_LANGUAGE="de")
    page = soup_of(owner_client.get("/devices/peripherals/", HTTP_ACCEPT_LANGUAGE="de"))
    assert "Die Anzeige ist ausgeschaltet; zum Testen bitte einschalten." in page.text
    response = owner_client.post(
        f"/devices/peripherals/displays/{display.pk}/", {**DISPLAY_POST, "register": register.pk}
    )
    assert response.status_code == 302
    with scopes_disabled():
        display.refresh_from_db()
        assert display.is_active
        assert ChangeEvent.objects.filter(model="peripherals.PoleDisplay", object_id=str(display.pk)).count() == 2


@pytest.mark.django_db
def test_a_cashier_login_cannot_manage_scanners_or_displays(client, organization, store):
    from kasse.tenancy.permissions import Role
    from kasse.testing.factories import EmployeeFactory, UserFactory

    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.CASHIER))
    client.force_login(user)
    assert client.get("/devices/peripherals/").status_code == 403
    assert client.post(f"/devices/peripherals/scanners/new/{store.pk}/", SCANNER_POST).status_code == 403
    with scopes_disabled():
        assert not Scanner.objects.exists()
