"""Scanners on the node: a scan on a virtual pty scanner reaches the bound register's WebSocket (a real
uvicorn on 127.0.0.1) and, posted like a wedge scan, the cart; unplugging and replugging recovers;
a device that cannot be opened is retried and shown, never raised."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django_scopes import scopes_disabled
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from kasse.core.actors import Actor
from kasse.hardware.scanners.virtual_scanner import VirtualSerialScanner
from kasse.peripherals.models import ScannerConnection, ScannerState
from kasse.peripherals.runner import PeripheralRunner
from kasse.peripherals.tests.conftest import FAST, wait_for
from kasse.register.models import CartLine
from kasse.register.services.pairing import DEVICE_COOKIE
from kasse.testing.asgi_server import asgi_server
from kasse.testing.factories import RegisterFactory

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def _scan_socket(base_url: str, token: str) -> Iterator[Any]:
    with connect(
        base_url.replace("http://", "ws://") + "/ws/register/scanner/",
        additional_headers={"Cookie": f"{DEVICE_COOKIE}={token}"},
        open_timeout=5,
    ) as ws:
        yield ws


def _state(scanner: Any) -> ScannerState:
    """The state row the runner keeps for the back office (an empty one before the first)."""
    return ScannerState.objects.filter(pk=scanner.pk).first() or ScannerState()


def _runner() -> PeripheralRunner:
    return PeripheralRunner(refresh_seconds=0.5, status_seconds=0.1, backoff=FAST)


def test_a_scan_reaches_the_register_page_and_the_cart(till, bakery, make_scanner):
    # Given a virtual serial scanner bound to the register, opened by the node's runner
    with VirtualSerialScanner() as virtual, asgi_server() as base_url:
        scanner = make_scanner(virtual.port)
        with _runner() as runner, _scan_socket(base_url, "device-token") as ws:
            assert wait_for(lambda: runner.scanners[scanner.pk].state == "connected")
            # When the scanner reads the rolls' barcode
            sent = time.monotonic()
            virtual.scan("4000000000017")
            # Then the register page gets the code over its WebSocket
            message = json.loads(ws.recv(timeout=5))
            elapsed = time.monotonic() - sent
            assert message == {"type": "scan", "code": "4000000000017", "scanner": "Handscanner", "symbology": ""}
            assert elapsed < 2  # functional bound only; the 50 ms target is measured by a benchmark
            # And posting it like a wedge scan (what scanner_ws.js does) puts it on the cart
            response = till.post("/register/cart/scan/", {"code": message["code"]})
            assert response.status_code == 200
            assert "Brötchen" in response.content.decode()
            with scopes_disabled():
                assert list(CartLine.objects.values_list("variant__product__name", flat=True)) == ["Brötchen"]
            # And the back office can see the last scan
            assert wait_for(lambda: _state(scanner).last_code == "4000000000017")


def test_a_scan_goes_only_to_the_bound_register(till, bakery, organization, store, make_scanner):
    other = RegisterFactory(store=store, organization=organization, number=2)
    from kasse.testing.plugin import paired_client

    paired_client(other, token="other-token")
    with VirtualSerialScanner() as virtual, asgi_server() as base_url:
        scanner = make_scanner(virtual.port)
        with (
            _runner() as runner,
            _scan_socket(base_url, "other-token") as other_ws,
            _scan_socket(base_url, "device-token") as ws,
        ):
            assert wait_for(lambda: runner.scanners[scanner.pk].state == "connected")
            virtual.scan("4000000000024")
            assert json.loads(ws.recv(timeout=5))["code"] == "4000000000024"
            with pytest.raises(TimeoutError):
                other_ws.recv(timeout=0.3)


def test_unplugged_scanner_is_reopened_and_scans_again(tmp_path, till, make_scanner):
    link = tmp_path / "scanner"  # like /dev/serial/by-id/...: the same name after replugging
    first = VirtualSerialScanner()
    os.symlink(first.port, link)
    scanner = make_scanner(str(link))
    with asgi_server() as base_url, _runner() as runner, _scan_socket(base_url, "device-token") as ws:
        handle = runner.scanners[scanner.pk]
        assert wait_for(lambda: handle.state == "connected")
        # When the cable is pulled
        first.close()
        link.unlink()
        assert wait_for(lambda: handle.state == "disconnected")
        assert wait_for(lambda: _state(scanner).state == "disconnected")
        # And plugged in again under the same name
        with VirtualSerialScanner() as second:
            os.symlink(second.port, link)
            assert wait_for(lambda: handle.state == "connected")
            second.scan("4006381333931")
            # Then scans arrive again, and the node never stopped
            assert json.loads(ws.recv(timeout=5))["code"] == "4006381333931"
        assert runner.alive


def test_a_scanner_that_cannot_be_opened_is_retried_and_shown(make_scanner):
    scanner = make_scanner(connection=ScannerConnection.EVDEV, input_device="/dev/input/by-id/kasse-no-such-scanner")
    with _runner() as runner:
        handle = runner.scanners[scanner.pk]
        assert wait_for(lambda: _state(scanner).state == "error")
        assert "kasse-no-such-scanner" in handle.error or "evdev" in handle.error
        assert runner.alive


def test_a_switched_off_scanner_is_closed_by_the_runner(organization, make_scanner):
    from kasse.peripherals.services import deactivate_scanner

    with VirtualSerialScanner() as virtual:
        scanner = make_scanner(virtual.port)
        with _runner() as runner:
            assert wait_for(lambda: scanner.pk in runner.scanners)
            deactivate_scanner(actor=Actor.system(), scanner=scanner)
            assert wait_for(lambda: scanner.pk not in runner.scanners)


def test_the_virtual_connection_gets_its_own_pty(till, bakery, make_scanner):
    scanner = make_scanner(connection=ScannerConnection.VIRTUAL)
    with asgi_server() as base_url, _runner() as runner, _scan_socket(base_url, "device-token") as ws:
        handle = runner.scanners[scanner.pk]
        assert wait_for(lambda: handle.state == "connected")
        assert handle.virtual is not None
        assert wait_for(lambda: _state(scanner).port.startswith("/dev/pts/"))
        handle.virtual.scan("4000000000017")
        assert json.loads(ws.recv(timeout=5))["code"] == "4000000000017"


def test_the_scanner_socket_refuses_unpaired_browsers_and_displays(register):
    from kasse.register.models import RegisterDevice
    from kasse.register.services.pairing import _digest

    with scopes_disabled():
        RegisterDevice.objects.create(
            organization=register.organization,
            register=register,
            token_digest=_digest("display-token"),
            is_display=True,
        )
    with asgi_server() as base_url:
        for token in ("nobody", "display-token"):
            with pytest.raises((InvalidStatus, ConnectionClosed)), _scan_socket(base_url, token) as ws:
                ws.recv(timeout=5)
