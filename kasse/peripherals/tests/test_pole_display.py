"""The pole display on the node: exact DM-D bytes for an item and the total, thanks and change after
payment, English for an English shop, the latest frame wins, and an unplugged display comes back."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.hardware.displays.pole_display import PoleDisplay as PoleDisplayDevice
from kasse.hardware.displays.virtual_pole_display import VirtualPoleDisplay
from kasse.peripherals import bus
from kasse.peripherals.frames import Frame
from kasse.peripherals.models import PoleDisplayState
from kasse.peripherals.runner import DisplayConfig, DisplayWorker, PeripheralRunner
from kasse.peripherals.tests.conftest import FAST, wait_for

INITIALISE = b"\x1b@" + b"\x1f\x01" + b"\x1fC\x00" + b"\x1bt\x13"  # ESC @, overwrite mode, cursor off, PC858


def _line(n: int) -> bytes:
    return b"\x1f$\x01" + bytes([n])  # US $ 1 n: cursor to column 1 of line n


@pytest.fixture
def virtual():
    with VirtualPoleDisplay() as display:
        yield display


def _runner() -> PeripheralRunner:
    # No refresh while the test runs: the configuration is read once, in this thread.
    return PeripheralRunner(refresh_seconds=3600, status_seconds=3600, backoff=FAST)


def test_a_scan_sends_the_item_and_the_total_to_the_pole_display(
    till, bakery, virtual, make_display, django_capture_on_commit_callbacks
):
    # Given a pole display of the register on a (virtual) serial port, opened by the runner
    display = make_display(virtual.port)
    with _runner() as runner:
        assert wait_for(lambda: runner.displays[display.pk].state == "connected")
        assert wait_for(lambda: bytes(virtual.received) == INITIALISE)
        # When the cashier scans the rolls
        with django_capture_on_commit_callbacks(execute=True):
            assert till.post("/register/cart/scan/", {"code": "4000000000017"}).status_code == 200
        # Then the display gets exactly: line 1 the item and its price, line 2 "Summe" and the total
        assert virtual.wait_for(lambda lines: lines[1].startswith("Summe"))
        assert bytes(virtual.received) == (
            INITIALISE
            + _line(1)
            + b"Br\x94tchen"
            + b" " * 6
            + b"0,45 \xd5"
            + _line(2)
            + b"Summe"
            + b" " * 9
            + b"0,45 \xd5"
        )
        assert virtual.lines == ("Brötchen      0,45 €", "Summe         0,45 €")


def test_the_last_item_with_its_quantity_and_the_running_total(
    till, bakery, virtual, make_display, django_capture_on_commit_callbacks
):
    make_display(virtual.port)
    with _runner():
        for code in ("4000000000017", "4000000000024", "4000000000024"):
            with django_capture_on_commit_callbacks(execute=True):
                till.post("/register/cart/scan/", {"code": code})
        assert virtual.wait_for(lambda lines: lines == ("2 x Kaffee    5,60 €", "Summe         6,05 €"))


def test_after_payment_thanks_and_the_change(till, bakery, virtual, make_display, django_capture_on_commit_callbacks):
    make_display(virtual.port)
    with _runner():
        with django_capture_on_commit_callbacks(execute=True):
            till.post("/register/cart/scan/", {"code": "4000000000017"})
        with django_capture_on_commit_callbacks(execute=True):
            response = till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "5"}])})
        assert response.status_code == 200
        assert virtual.wait_for(lambda lines: lines == ("Vielen Dank         ", "Rückgeld      4,55 €"))


def test_an_english_shop_gets_english_labels(
    till, bakery, organization, virtual, make_display, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        type(organization).objects.filter(pk=organization.pk).update(language="en")
    make_display(virtual.port)
    with _runner():
        with django_capture_on_commit_callbacks(execute=True):
            till.post("/register/cart/scan/", {"code": "4000000000017"})
        assert virtual.wait_for(lambda lines: lines[1] == "Total         0,45 €")
        with django_capture_on_commit_callbacks(execute=True):
            till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": "0.45"}])})
        assert virtual.wait_for(lambda lines: lines == ("Thank you           ", "Total         0,45 €"))


def test_a_register_without_a_display_costs_no_query(till, bakery, django_assert_max_num_queries):
    # Given no runner drives a display of this register, the pole hook is a set lookup
    from kasse.peripherals.pole import show_cart_on_pole

    register = till.get("/register/cart/").wsgi_request.register  # type: ignore[attr-defined]
    assert not bus.has_display(register.pk)
    with django_assert_max_num_queries(0):
        show_cart_on_pole(register, object())


def test_a_pole_display_adds_no_query_to_a_scan(till, bakery, virtual, make_display):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    till.post("/register/cart/scan/", {"code": "4000000000017"})
    with CaptureQueriesContext(connection) as without_display:
        till.post("/register/cart/scan/", {"code": "4000000000017"})
    make_display(virtual.port)
    with _runner(), CaptureQueriesContext(connection) as with_display:
        till.post("/register/cart/scan/", {"code": "4000000000017"})
    assert len(with_display) == len(without_display)


class SlowPort:
    """A display port that takes 50 ms per write, like a 2×20 VFD at 9600 baud with a slow USB adapter."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.lock = threading.Lock()

    def write(self, data: bytes) -> int:
        time.sleep(0.05)
        with self.lock:
            self.writes.append(data)
        return len(data)


def test_stale_frames_are_dropped_and_the_latest_is_shown():
    port = SlowPort()
    config = DisplayConfig(
        id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        register_id=uuid.uuid4(),
        name="Slow",
        serial_device="/dev/null",
        baud_rate=9600,
        code_page="pc858",
        language="de",
    )
    worker = DisplayWorker(config, opener=lambda _config: PoleDisplayDevice(port), backoff=FAST)
    worker.start()
    try:
        started = time.monotonic()
        for cents in range(1, 21):  # twenty cart changes in a burst
            worker.submit(Frame("cart", (("Artikel", Decimal(cents) / 100), ("Summe", Decimal(cents)))))
        assert time.monotonic() - started < 0.05  # submitting never waits for the display
        assert wait_for(lambda: worker.shown == ("Artikel       0,20 €", "Summe        20,00 €"))
        assert worker.frames_dropped > 10
        assert worker.frames_shown < 6
    finally:
        worker.stop()
        worker.join(2)


def test_an_unplugged_display_is_reopened_and_shows_the_current_cart(
    tmp_path, organization, store, register, make_display
):
    link = tmp_path / "pole"  # like /dev/serial/by-id/...: the same name after replugging
    first = VirtualPoleDisplay()
    os.symlink(first.port, link)
    display = make_display(str(link))
    runner = _runner().start()
    try:
        worker = runner.displays[display.pk]
        assert wait_for(lambda: worker.state == "connected")
        # When the display is unplugged and a frame is sent
        first.close()
        link.unlink()
        runner.show(register.pk, Frame("cart", (("Milch", Decimal("1.19")), ("Summe", Decimal("1.19")))))
        assert wait_for(lambda: worker.state == "error")
        assert worker.error
        # And it comes back under the same name
        with VirtualPoleDisplay() as second:
            os.symlink(second.port, link)
            # Then it is initialised again and shows the cart it missed
            assert second.wait_for(lambda lines: lines == ("Milch         1,19 €", "Summe         1,19 €"), 5)
            assert worker.state == "connected"
    finally:
        runner.stop()


def test_a_display_that_fails_strangely_is_shown_as_an_error_and_never_stops_the_runner(make_display):
    def broken(_config):
        raise RuntimeError("the adapter answered nonsense")

    display = make_display("/dev/ttyUSB7")
    runner = PeripheralRunner(refresh_seconds=3600, status_seconds=0.05, backoff=FAST, display_opener=broken)
    with runner:
        worker = runner.displays[display.pk]
        assert wait_for(lambda: worker.state == "error")
        assert worker.error == "RuntimeError: the adapter answered nonsense"
        assert wait_for(lambda: PoleDisplayState.objects.filter(pk=display.pk, detail=worker.error).exists())
        runner.show(display.register_id, Frame("cart", (("Milch", Decimal("1.19")), ("Summe", Decimal("1.19")))))
        time.sleep(0.2)
        assert runner.alive
        assert worker.is_alive()
