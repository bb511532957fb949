"""The demo's virtual devices for real: their processes started as ``kasse demo`` starts them, the rows
the demo seeds pointing at them, and the store node's runner and print pool (here in the test process,
as in the node's) driving them: ``kasse demo --scan`` reaches the register page and its cart, the
cart reaches the pole display, labels and receipts reach the two printers."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django_scopes import scopes_disabled
from websockets.sync.client import connect

from kasse.catalog.models import Variant
from kasse.core.actors import Actor
from kasse.demo.devices import DemoDevices
from kasse.demo.supervisor import Supervisor
from kasse.payments.models import CardPayment, CardPaymentStatus, CardTerminal
from kasse.payments.runner import TerminalWorker, zvt_driver
from kasse.payments.services import start_card_payment
from kasse.peripherals.models import PoleDisplay, Scanner
from kasse.peripherals.runner import Backoff, PeripheralRunner
from kasse.printing import services as printing
from kasse.printing.documents import LabelRequest
from kasse.printing.models import Printer, PrinterKind, PrintJob
from kasse.printing.worker import PrintWorkerPool
from kasse.register.services.pairing import DEVICE_COOKIE
from kasse.testing.asgi_server import asgi_server
from kasse.testing.ports import free_port

pytestmark = [pytest.mark.processes, pytest.mark.django_db(transaction=True)]


def _wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with scopes_disabled():
                value = predicate()
        except (OperationalError, OSError):  # a table locked by a worker, a file not written yet
            value = None
        if value:
            return value
        time.sleep(0.02)
    return None


def _retrying(call):
    """The workers write to the shared SQLite test database too, which locks whole tables for a moment."""
    for _ in range(50):
        try:
            return call()
        except OperationalError:
            time.sleep(0.05)
    return call()


@pytest.fixture
def demo_devices(tmp_path) -> Iterator[tuple[DemoDevices, Supervisor]]:
    devices = DemoDevices(
        tmp_path,
        printer_port=free_port(),
        label_printer_port=free_port(),
        card_terminal_port=free_port(),
        bluecode_port=free_port(),
    )
    supervisor = Supervisor(stop_timeout=5, log=lambda _message: None)
    devices.add_processes(supervisor, quiet_display=True)
    try:
        supervisor.start()
        assert supervisor.wait_ready(timeout=20), "the virtual devices did not come up"
        yield devices, supervisor
    finally:
        supervisor.stop()


def test_the_demo_devices_are_live_and_the_node_drives_them(
    settings, tmp_path, demo_devices, store, register, till, bakery
):
    devices, supervisor = demo_devices
    settings.DATA_DIR = str(tmp_path / "cloud")  # `kasse demo --scan` finds the inbox next to it
    settings.LANGUAGE_CODE = "en"
    # Given the store's devices as the demo seeds them: the rows name the links, which lead to live ptys
    assert sorted(devices.ensure_rows(store, register)) == sorted(
        [
            "Bluecode (virtuell)",
            "Bondrucker (virtuell)",
            "Etikettendrucker (virtuell)",
            "Handscanner (virtuell)",
            "Kartenterminal (virtuell)",
            "Kundenanzeige (virtuell)",
        ]
    )
    with scopes_disabled():
        scanner = Scanner.objects.get(store=store)
        display = PoleDisplay.objects.get(store=store)
        label_printer = Printer.objects.get(store=store, kind=PrinterKind.LABEL)
        receipt_printer = Printer.objects.get(store=store, kind=PrinterKind.RECEIPT)
    assert Path(scanner.serial_device).resolve().as_posix().startswith("/dev/pts/")
    # the organization's Bluecode account answers from the demo's local Bluecode server
    from kasse.payments.qr.models import QrAccount
    from kasse.payments.qr.providers import QrOutcome
    from kasse.payments.qr.runner import provider_for

    with scopes_disabled():
        account = QrAccount.objects.get()
    assert account.api_url == f"http://127.0.0.1:{devices.bluecode_port}/v4"
    assert provider_for(account).status("never-paid").outcome is QrOutcome.NOT_FOUND
    assert Path(display.serial_device).resolve().as_posix().startswith("/dev/pts/")
    # And the node's peripheral runner (in this process, as in `kasse store run`)
    fast = Backoff(initial=0.05, maximum=0.2)
    with (
        asgi_server() as base_url,
        PeripheralRunner(store_ids=[store.pk], refresh_seconds=0.5, status_seconds=0.1, backoff=fast) as runner,
        connect(
            base_url.replace("http://", "ws://") + "/ws/register/scanner/",
            additional_headers={"Cookie": f"{DEVICE_COOKIE}=device-token"},
            open_timeout=5,
        ) as ws,
    ):
        assert _wait_for(lambda: runner.scanners[scanner.pk].state == "connected")
        # When the rolls are scanned with `kasse demo --scan`
        out = StringIO()
        call_command("demo", "--scan", "4000000000017", stdout=out)
        # Then the register page gets the code over its WebSocket
        message = json.loads(ws.recv(timeout=10))
        assert message == {
            "type": "scan",
            "code": "4000000000017",
            "scanner": "Handscanner (virtuell)",
            "symbology": "",
        }
        assert "Scanned 4000000000017 on the virtual scanner." in out.getvalue()
        # And, posted as the page posts it, the rolls are in the cart and on the pole display's process
        response = till.post("/register/cart/scan/", {"code": message["code"]})
        assert response.status_code == 200
        assert "Brötchen" in response.content.decode()
        shown = _wait_for(
            lambda: (
                "Brötchen" in devices.display_out.read_text(encoding="utf-8")
                and devices.display_out.read_text(encoding="utf-8")
            )
        )
        assert shown == (
            "┌────────────────────┐\n│Brötchen      0,45 €│\n│Summe         0,45 €│\n└────────────────────┘\n"
        )
    # When a shelf label and a test page are printed (the node's print pool, also in this process; after the
    # peripheral runner stopped: the suite's in-memory SQLite refuses two writing threads at once, where a
    # node's file database with its busy timeout makes one wait)
    with PrintWorkerPool(store_ids=[store.pk], idle_seconds=0.1, status_seconds=0.5, refresh_seconds=0.2):
        with scopes_disabled():
            rolls = Variant.objects.select_related("product").get(product_id=bakery["rolls"].pk)
        _retrying(
            lambda: printing.enqueue_labels(
                actor=Actor.system(),
                printer=label_printer,
                requests=[LabelRequest(rolls, 1)],
                width_mm=Decimal(50),
                height_mm=Decimal(30),
            )
        )
        _retrying(lambda: printing.enqueue_test_page(actor=Actor.system(), printer=receipt_printer, language="de"))
        # Then the label printer's process drew the label and the receipt printer's decoded the page
        label = _wait_for(lambda: (devices.label_printer_dir / "label-0001.txt").read_text(encoding="utf-8"), 20)
        with scopes_disabled():
            jobs = list(PrintJob.objects.values_list("kind", "status", "error_detail"))
        assert label == "Brötchen\n0,45 €\ncopies: 1\n", jobs  # (the factory's code is no valid EAN-13)
        assert _wait_for(lambda: (devices.printer_dir / "job-0001.txt").exists(), 20)
        assert _wait_for(lambda: set(PrintJob.objects.values_list("status", flat=True)) == {"done"}, 20)


def test_the_demo_card_terminal_process_takes_the_first_registers_card_payment(demo_devices, store, register):
    devices, _supervisor = demo_devices
    devices.ensure_rows(store, register)
    with scopes_disabled():
        terminal = CardTerminal.objects.get(store=store)
    assert (terminal.register_id, terminal.port) == (register.pk, devices.card_terminal_port)
    # The node's worker for that terminal, with the driver `kasse store run` uses, one step at a time
    worker = TerminalWorker(terminal.pk, terminal.organization_id, driver=zvt_driver, idle_seconds=0.0)
    payment = start_card_payment(actor=Actor.system(), register=register, amount=Decimal("2.80"))
    worker._step()
    with scopes_disabled():
        payment = CardPayment.objects.get(pk=payment.pk)
    # The demo's terminal process answered as a terminal does: approved, with its data and its receipts
    assert (payment.status, payment.terminal_amount) == (CardPaymentStatus.APPROVED, Decimal("2.80"))
    assert payment.terminal_number
    assert payment.receipt_number
    assert payment.trace_number
    assert payment.masked_pan
    assert [receipt["type"] for receipt in payment.receipts] == [1, 2]  # merchant and customer copy


def test_a_restarted_virtual_scanner_is_found_again_through_its_link(
    settings, tmp_path, demo_devices, store, register, device
):
    devices, supervisor = demo_devices
    settings.DATA_DIR = str(tmp_path / "cloud")
    devices.ensure_rows(store, register)
    with scopes_disabled():
        scanner = Scanner.objects.get(store=store)
    fast = Backoff(initial=0.05, maximum=0.2)
    with (
        asgi_server() as base_url,
        PeripheralRunner(store_ids=[store.pk], refresh_seconds=0.5, status_seconds=0.1, backoff=fast) as runner,
        connect(
            base_url.replace("http://", "ws://") + "/ws/register/scanner/",
            additional_headers={"Cookie": f"{DEVICE_COOKIE}=device-token"},
            open_timeout=5,
        ) as ws,
    ):
        assert _wait_for(lambda: runner.scanners[scanner.pk].state == "connected")
        device = runner.scanners[scanner.pk].device
        assert device is not None
        # When the scanner's process stops (its link goes with it) and starts again on a new pty
        child = next(c for c in supervisor.children if c.name == "virtual-scanner")
        assert child.process is not None
        child.process.terminate()
        child.process.wait(5)
        assert not devices.scanner_link.is_symlink()
        child.process = subprocess.Popen(child.argv, start_new_session=True)  # noqa: S603
        assert _wait_for(lambda: devices.scanner_link.exists())
        # Then the runner's reader opens the link again and the next scan arrives
        assert _wait_for(lambda: device.reconnects >= 1 and device.connected.is_set())  # type: ignore[attr-defined]
        call_command("demo", "--scan", "4000000000024", stdout=StringIO())
        assert json.loads(ws.recv(timeout=10))["code"] == "4000000000024"
