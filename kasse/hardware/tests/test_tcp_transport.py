"""The TCP 9100 transport against a real socket server on 127.0.0.1."""

import socket
import threading
import time

import pytest

from kasse.hardware.printers.base import DrawerPin, ReceiptDocument
from kasse.hardware.printers.escpos_printer import EscPosPrinter
from kasse.hardware.printers.profiles import HPRT_TP808
from kasse.hardware.printers.status import Health
from kasse.hardware.transports.base import TransportError
from kasse.hardware.transports.tcp import TcpTransport
from kasse.testing.ports import free_port

ONLINE = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}


class FakePrinterServer:
    """Accepts connections one after another, records bytes and answers `DLE EOT n` from `answers`."""

    def __init__(self, answers=None, *, receive=True):
        self.answers = ONLINE if answers is None else answers
        self.receive = receive
        self.received = bytearray()
        self.connections = 0
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if not receive:
            self.server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(4)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        self.server.close()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                self._serve(conn)

    def _serve(self, conn):
        conn.settimeout(0.1)
        pending = b""
        deadline = time.monotonic() + 10
        while not self._stop.is_set() and time.monotonic() < deadline:
            if not self.receive:
                time.sleep(0.05)
                continue
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                return
            self.received += chunk
            pending += chunk
            while (i := pending.find(b"\x10\x04")) != -1 and len(pending) > i + 2:
                answer = self.answers.get(pending[i + 2])
                if answer is not None:
                    conn.sendall(answer if isinstance(answer, bytes) else bytes([answer]))
                pending = pending[i + 3 :]


def test_print_document_delivers_the_exact_bytes():
    with FakePrinterServer() as server:
        printer = EscPosPrinter(TcpTransport("127.0.0.1", server.port, timeout=2), HPRT_TP808)
        doc = ReceiptDocument().text("Bäckerei").columns("Brötchen", "0,45 €").cut()
        printer.print_document(doc)
        printer.open_drawer(DrawerPin.PIN_5)
        expected = printer.render(doc) + b"\x1b\x70\x01\x19\xfa"
        deadline = time.monotonic() + 5
        while bytes(server.received) != expected and time.monotonic() < deadline:
            time.sleep(0.01)
    assert bytes(server.received) == expected
    assert b"B\x84ckerei\n" in expected
    assert server.connections == 2  # one connection per job


def test_status_query_gets_an_answer():
    answers = {1: 0x12 | 0x08, 2: 0x12 | 0x20, 3: 0x12, 4: 0x12 | 0x6C}
    with FakePrinterServer(answers) as server:
        status = EscPosPrinter(TcpTransport("127.0.0.1", server.port, timeout=2), HPRT_TP808).status()
    assert status.online is False
    assert status.paper_out is True
    assert status.health is Health.FAULT
    assert bytes(server.received) == b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"


def test_status_with_garbage_reply_is_unknown():
    with FakePrinterServer({1: b"\xff"}) as server:
        status = EscPosPrinter(TcpTransport("127.0.0.1", server.port), HPRT_TP808, status_timeout=0.3).status()
    assert status.health is Health.UNKNOWN


def test_status_without_reply_is_unknown_and_fast():
    with FakePrinterServer({}) as server:
        printer = EscPosPrinter(TcpTransport("127.0.0.1", server.port), HPRT_TP808, status_timeout=0.3)
        started = time.monotonic()
        status = printer.status()
        elapsed = time.monotonic() - started
    assert status.health is Health.UNKNOWN
    assert "no reply" in status.detail
    assert elapsed < 2  # does not wait four timeouts


def test_connection_refused_is_a_transport_error():
    transport = TcpTransport("127.0.0.1", free_port(), connect_timeout=1)
    with pytest.raises(TransportError, match="refused"):
        transport.open()
    status = EscPosPrinter(transport, HPRT_TP808).status()
    assert status.health is Health.UNKNOWN
    assert "refused" in status.detail


def test_write_timeout_is_a_transport_error():
    with FakePrinterServer(receive=False) as server:
        transport = TcpTransport("127.0.0.1", server.port, timeout=0.3)
        transport.open()
        transport._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        with pytest.raises(TransportError, match="timed out"):
            transport.write(b"x" * 16_000_000)
        assert not transport.is_open


def test_read_timeout_returns_nothing():
    with FakePrinterServer({}) as server, TcpTransport("127.0.0.1", server.port) as transport:
        transport.write(b"\x10\x04\x01")
        assert transport.read(1, timeout=0.2) == b""


def test_write_when_not_connected():
    with pytest.raises(TransportError, match="not connected"):
        TcpTransport("127.0.0.1", 9).write(b"x")
