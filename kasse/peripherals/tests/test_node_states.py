"""Scanner and pole display states come up from the store node: its runner (real pty devices) writes them
into the outbox when they change, the cloud stores them by the device's id and its back office shows them
with the node that drives them; rows that do not fit are refused whole."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.hardware.displays.virtual_pole_display import VirtualPoleDisplay
from kasse.hardware.scanners.virtual_scanner import VirtualSerialScanner
from kasse.peripherals.frames import Frame
from kasse.peripherals.models import PoleDisplay, PoleDisplayState, Scanner, ScannerState
from kasse.peripherals.runner import PeripheralRunner
from kasse.peripherals.tests.conftest import FAST, wait_for
from kasse.sync.cloud.ingest import Ingestor
from kasse.sync.engine import device_states
from kasse.sync.engine.local import NODE_BLOCK_SIZE
from kasse.sync.models import StoreNode
from kasse.testing.factories import RegisterFactory, StoreFactory
from kasse.testing.plugin import soup_of
from kasse.testing.sync import node_records, of_kind

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def node(organization, store):
    return StoreNode.objects.with_scopes_disabled().create(
        organization=organization,
        store=store,
        name="Laden-PC",
        token_digest="x" * 64,
        customer_number_base=NODE_BLOCK_SIZE,
        last_contact_at=timezone.now(),
    )


def test_device_states_from_the_node_show_on_the_clouds_page(
    node, owner_client, organization, store, register, monkeypatch
):
    with VirtualSerialScanner() as virtual, VirtualPoleDisplay() as pole:
        with scopes_disabled():
            scanner = Scanner.objects.create(
                organization=organization,
                store=store,
                register=register,
                name="Handscanner",
                serial_device=virtual.port,
            )
            display = PoleDisplay.objects.create(
                organization=organization, store=store, register=register, name="Kundenanzeige", serial_device=pole.port
            )
        runner = PeripheralRunner(refresh_seconds=3600, status_seconds=3600, backoff=FAST)
        runner.sync()  # the node's runner opens the devices (no supervisor: the test ticks itself)
        try:
            node_records(runner.tick)  # starts the scanner's reader
            assert wait_for(
                lambda: (
                    runner.scanners[scanner.pk].state == "connected"
                    and runner.displays[display.pk].state == "connected"
                )
            )
            # Given the display shows a cart and the scanner read a code on the node
            runner.show(register.pk, Frame("cart", (("Milch", Decimal("1.19")), ("Summe", Decimal("1.19")))))
            assert pole.wait_for(lambda lines: lines[0].startswith("Milch"), 5)
            virtual.scan("4006381333931")
            assert wait_for(
                lambda: (
                    runner.scanners[scanner.pk].last_code == "4006381333931"
                    and runner.displays[display.pk].shown_at is not None
                )
            )
            # When the node's runner looks at its devices
            monkeypatch.setattr(device_states, "CONTENT_REPORT_SECONDS", 0.0)
            records = node_records(runner.tick)
            # Then both states go into the outbox, each with its device's id, and not again while unchanged
            [scanner_record] = of_kind(records, "scanner_state")
            [display_record] = of_kind(records, "pole_display_state")
            assert scanner_record["rows"][0][0] == "peripherals.ScannerState"
            assert scanner_record["rows"][0][1]["id"] == str(scanner.pk)
            assert scanner_record["rows"][0][1]["last_code"] == "4006381333931"
            assert display_record["rows"][0][1]["id"] == str(display.pk)
            assert node_records(runner.tick) == []
            # And a scan within 5 s of the last report waits for the next one (a state change never waits)
            monkeypatch.setattr(device_states, "CONTENT_REPORT_SECONDS", 5.0)
            virtual.scan("4000000000017")
            assert wait_for(lambda: runner.scanners[scanner.pk].last_code == "4000000000017")
            assert of_kind(node_records(runner.tick), "scanner_state") == []
        finally:
            runner.stop()
    # When the cloud receives the records
    with scopes_disabled():
        assert not ScannerState.objects.exists()  # the node's rows were its own (rolled back here)
    answer = Ingestor(node, records).run()
    assert {value["status"] for value in answer.values()} == {"ok"}
    # Then the back office shows them with the node that drives them and its last contact
    page = soup_of(owner_client.get("/devices/peripherals/", HTTP_ACCEPT_LANGUAGE="en"))
    row = page.select_one(f"[data-testid=scanner-row][data-scanner='{scanner.pk}']")
    assert row.select_one("[data-testid=scanner-status]")["data-status"] == "connected"
    assert row.select_one("[data-testid=scanner-status]").text.strip() == "connected"
    assert row.select_one("[data-testid=scanner-last-scan] code").text == "4006381333931"
    display_row = page.select_one(f"[data-testid=display-row][data-display='{display.pk}']")
    assert display_row.select_one("[data-testid=display-status]")["data-status"] == "connected"
    assert display_row.select_one("[data-testid=display-lines]").text.splitlines()[0].startswith("Milch")
    assert display_row.select_one("[data-testid=display-last-shown]").text.strip() != "–"
    driven = page.select_one("[data-testid=driven-by-node]").text
    assert "“Laden-PC” drives these devices" in driven
    assert f"Last contact {timezone.localtime(node.last_contact_at):%d.%m.%Y %H:%M:%S}." in driven
    german = soup_of(owner_client.get("/devices/peripherals/live/", HTTP_ACCEPT_LANGUAGE="de"))
    assert "Der Filialserver „Laden-PC“ steuert diese Geräte" in german.select_one("[data-testid=driven-by-node]").text


def test_a_state_older_than_90_seconds_is_unknown(owner_client, organization, store, register):
    with scopes_disabled():
        scanner = Scanner.objects.create(
            organization=organization, store=store, register=register, name="Hand", serial_device="/dev/ttyACM0"
        )
        ScannerState.objects.create(
            id=scanner.pk,
            organization=organization,
            scanner=scanner,
            state="error",
            detail="permission denied",
            checked_at=timezone.now() - timedelta(seconds=91),
        )
    cell = soup_of(owner_client.get("/devices/peripherals/", HTTP_ACCEPT_LANGUAGE="en")).select_one(
        "[data-testid=scanner-status]"
    )
    assert (cell["data-status"], cell.text.strip()) == ("unknown", "status unknown: no report in the last 90 seconds")
    with scopes_disabled():
        ScannerState.objects.filter(pk=scanner.pk).update(checked_at=timezone.now())
    cell = soup_of(owner_client.get("/devices/peripherals/live/", HTTP_ACCEPT_LANGUAGE="de")).select_one(
        "[data-testid=scanner-status]"
    )
    assert cell["data-status"] == "error"
    assert cell.select_one(".status").text == "lässt sich nicht öffnen"
    assert cell.select_one("small").text == "permission denied"


def _state_row(organization, device, **changes):
    now = timezone.now().isoformat()
    field = "scanner_id" if isinstance(device, Scanner) else "display_id"
    row = {
        "id": str(device.pk),
        "organization_id": str(organization.pk),
        field: str(device.pk),
        "state": "connected",
        "detail": "",
        "last_at": None,
        "checked_at": now,
        "created_at": now,
        "updated_at": now,
    }
    row.update({"last_code": "", "port": ""} if isinstance(device, Scanner) else {"line1": "", "line2": ""})
    return {**row, **changes}


@pytest.mark.parametrize(
    ("kind", "changes", "reason"),
    [
        ("scanner", {"state": "exploded"}, "unknown state 'exploded'"),
        ("scanner", {"scanner_id": "other"}, "its device's id"),
        ("scanner", {"last_code": "4" * 201}, "longer than 200 characters"),
        ("display", {"line1": "x" * 41}, "longer than 40 characters"),
        ("display", {"state": "waiting"}, "unknown state 'waiting'"),
        ("display", {"store": "elsewhere"}, "another store"),
    ],
)
def test_bad_device_states_are_refused_and_change_nothing(node, organization, store, register, kind, changes, reason):
    other_store = StoreFactory(organization=organization)
    other_register = RegisterFactory(store=other_store, organization=organization)
    with scopes_disabled():
        scanner = Scanner.objects.create(
            organization=organization, store=store, register=register, name="Hand", serial_device="/dev/ttyACM0"
        )
        foreign = PoleDisplay.objects.create(
            organization=organization,
            store=other_store,
            register=other_register,
            name="Fremd",
            serial_device="/dev/ttyUSB0",
        )
        display = PoleDisplay.objects.create(
            organization=organization, store=store, register=register, name="Anzeige", serial_device="/dev/ttyUSB1"
        )
    device = scanner if kind == "scanner" else (foreign if changes.pop("store", None) else display)
    if changes.get("scanner_id") == "other":
        changes["scanner_id"] = str(display.pk)
    label = "peripherals.ScannerState" if kind == "scanner" else "peripherals.PoleDisplayState"
    answer = Ingestor(
        node,
        [
            {
                "id": "0190a0c0-0000-7000-8000-000000000009",
                "kind": f"{kind}_state",
                "rows": [[label, _state_row(organization, device, **changes)]],
            }
        ],
    ).run()
    [result] = answer.values()
    assert result["status"] == "rejected"
    assert reason in result["detail"]
    with scopes_disabled():
        assert not ScannerState.objects.exists()
        assert not PoleDisplayState.objects.exists()
