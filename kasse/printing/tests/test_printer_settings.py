"""Printer settings that follow the connection and kind, the code page and serial flow control, and the cash
drawer's state as the printer reports it."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.printing import devices, selectors
from kasse.printing.devices import DeviceStatus
from kasse.printing.models import Printer, PrinterState
from kasse.printing.tests.test_backoffice import PRINTER_POST
from kasse.printing.worker import save_state

pytestmark = pytest.mark.django_db


def _fields(html: bytes) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [div["data-testid"].removeprefix("field-") for div in soup.select("[data-testid=printer-fields] .field")]


COMMON_RECEIPT = ["profile", "codepage", "drawer_on_cash", "query_status", "is_active", "registers"]


def test_a_new_network_receipt_printer_shows_only_its_fields(owner_client, store):
    page = owner_client.get(f"/devices/printers/new/{store.pk}/")
    assert _fields(page.content) == ["name", "kind", "connection", "host", "port", *COMMON_RECEIPT]


@pytest.mark.parametrize(
    ("connection", "kind", "expected"),
    [
        ("serial", "receipt", ["serial_device", "baud_rate", "flow_control", *COMMON_RECEIPT]),
        ("usb", "receipt", ["usb_vendor_id", "usb_product_id", *COMMON_RECEIPT]),
        ("bluetooth", "receipt", ["bluetooth_address", "bluetooth_channel", *COMMON_RECEIPT]),
        ("device_file", "receipt", ["device_path", *COMMON_RECEIPT]),
        (
            "tcp",
            "label",
            ["host", "port", "label_language", "label_width_mm", "label_height_mm", "query_status", "is_active"],
        ),
    ],
)
def test_changing_connection_or_kind_swaps_in_the_servers_field_set(owner_client, store, connection, kind, expected):
    shown = "name,kind,connection,host,port,profile,codepage,drawer_on_cash,query_status,is_active,registers"
    response = owner_client.get(
        f"/devices/printers/new/{store.pk}/",
        {
            "_shown": shown,
            "name": "Etiketten",
            "kind": kind,
            "connection": connection,
            "host": "192.0.2.9",
            "port": "9100",
            "query_status": "on",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b"<html" not in response.content  # the field set only, for htmx to swap
    soup = BeautifulSoup(response.content, "html.parser")
    assert _fields(response.content) == ["name", "kind", "connection", *expected]
    assert soup.select_one("[name=name]")["value"] == "Etiketten"  # what was typed stays
    assert soup.select_one("[name=query_status]").has_attr("checked")
    assert not soup.select_one("[name=is_active]").has_attr("checked")  # unticked on the page: stays unticked
    assert soup.select_one("[data-testid=printer-connection]")["hx-target"] == "#printer-fields"
    assert not soup.select(".error")  # a swap is not a submit: no error messages yet


def test_serial_printer_with_flow_control_and_code_page_reaches_the_driver(owner_client, store):
    post = {
        "name": "Seriell",
        "kind": "receipt",
        "connection": "serial",
        "serial_device": "/dev/ttyUSB0",
        "baud_rate": "19200",
        "flow_control": "rtscts",
        "profile": "hprt-tp808",
        "codepage": "cp1252-16",
        "query_status": "on",
        "is_active": "on",
        "drawer_on_cash": "on",
    }
    assert owner_client.post(f"/devices/printers/new/{store.pk}/", post).status_code == 302
    with scopes_disabled():
        printer = Printer.objects.get()
    transport = devices.transport_for(printer)
    assert (transport.port, transport.baudrate, transport.rtscts, transport.xonxoff) == (
        "/dev/ttyUSB0",
        19200,
        True,
        False,
    )
    assert (printer.hardware_profile.codec, printer.hardware_profile.codepage_number) == ("cp1252", 16)
    printer.flow_control = "xonxoff"
    transport = devices.transport_for(printer)
    assert (transport.rtscts, transport.xonxoff) == (False, True)


def test_unknown_code_page_or_flow_control_is_refused(owner_client, store):
    response = owner_client.post(
        f"/devices/printers/new/{store.pk}/",
        {
            **PRINTER_POST,
            "codepage": "cp999",
            "connection": "serial",
            "serial_device": "/dev/ttyS0",
            "flow_control": "magic",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("[data-testid=error-codepage]") is not None
    assert soup.select_one("[data-testid=error-flow_control]") is not None
    with scopes_disabled():
        assert not Printer.objects.exists()


def test_a_label_printer_keeps_its_stored_receipt_settings_untouched(owner_client, store):
    post = {**PRINTER_POST, "kind": "label", "label_language": "zpl"}
    assert owner_client.post(f"/devices/printers/new/{store.pk}/", post).status_code == 302
    with scopes_disabled():
        printer = Printer.objects.get()
    assert (printer.kind, printer.label_language, printer.drawer_on_cash) == ("label", "zpl", True)


def _receipt_printer(owner_client, store, register):
    assert (
        owner_client.post(
            f"/devices/printers/new/{store.pk}/", {**PRINTER_POST, "drawer_on_cash": "on", "registers": [register.pk]}
        ).status_code
        == 302
    )
    with scopes_disabled():
        return Printer.objects.get()


@pytest.mark.parametrize(
    ("drawer_open", "code", "label"),
    [
        (True, "open", "Kassenlade offen"),
        (False, "closed", "Kassenlade zu"),
        (None, "unknown", "Kassenlade: unbekannt"),
    ],
)
def test_the_drawer_state_the_printer_reports_is_stored_and_shown(
    owner_client, store, register, drawer_open, code, label
):
    printer = _receipt_printer(owner_client, store, register)
    with scopes_disabled():
        save_state(printer, DeviceStatus(health="ok", reachable=True, online=True, drawer_open=drawer_open))
        assert PrinterState.objects.get(printer=printer).drawer_open is drawer_open
    page = BeautifulSoup(owner_client.get("/devices/printers/", HTTP_ACCEPT_LANGUAGE="de").content, "html.parser")
    shown = page.select_one(f"[data-printer='{printer.pk}'] [data-testid=drawer-state]")
    assert (shown["data-drawer"], shown.text) == (code, label)


def test_the_register_shows_the_drawer_state_in_its_print_overlay(owner_client, store, register, till):
    printer = _receipt_printer(owner_client, store, register)
    with scopes_disabled():
        save_state(printer, DeviceStatus(health="ok", reachable=True, online=True, drawer_open=True))
    overlay = BeautifulSoup(till.get("/register/print/jobs/").content, "html.parser")
    assert overlay.select_one("[data-testid=drawer-state]")["data-drawer"] == "open"


def test_drawer_state_is_not_shown_for_printers_without_a_drawer_or_when_stale(owner_client, store, register):
    printer = _receipt_printer(owner_client, store, register)
    with scopes_disabled():
        save_state(printer, DeviceStatus(health="ok", reachable=True, online=True, drawer_open=True))
        state = PrinterState.objects.get(printer=printer)
        PrinterState.objects.filter(pk=state.pk).update(checked_at=timezone.now() - timezone.timedelta(hours=1))
        assert selectors.drawer_view(printer, PrinterState.objects.get(pk=state.pk)).code == "unknown"
        printer.drawer_on_cash = False
        assert selectors.drawer_view(printer, state) is None


@pytest.mark.parametrize(("printer_byte", "expected"), [(0x16, True), (0x12, False)])
def test_dle_eot_1_pin_3_becomes_the_stored_drawer_state(store, printer_byte, expected):
    from kasse.hardware.transports.memory import MemoryTransport

    def answer(data: bytes) -> bytes:
        if data == b"\x10\x04\x01":
            return bytes([printer_byte])
        return b"\x12" if data.startswith(b"\x10\x04") else b""

    with scopes_disabled():
        printer = Printer.objects.create(organization=store.organization, store=store, name="Bon", host="192.0.2.1")
        status = devices.check_status(printer, MemoryTransport(responder=answer))
        assert (status.reachable, status.drawer_open) == (True, expected)
        save_state(printer, status)
        assert PrinterState.objects.get(printer=printer).drawer_open is expected
