"""TCP 9100 status probe against real servers on 127.0.0.1 only."""

import socket
import threading
import time

import pytest

from kasse.hardware.discovery.tcp_probe import STATUS_QUERY, expand_targets, find_printers, probe_range


class LoopbackServer:
    """A TCP server on 127.0.0.1 that records what it received and answers with `reply` (or stays silent)."""

    def __init__(self, reply: bytes | None):
        self.reply = reply
        self.received = bytearray()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    data = conn.recv(64)
                except TimeoutError:
                    continue
                self.received += data
                if self.reply is not None:
                    conn.sendall(self.reply)
                else:
                    self._stop.wait(1)  # hold the connection open without answering

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def server_factory():
    servers = []

    def make(reply):
        server = LoopbackServer(reply)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def test_probe_finds_a_host_answering_dle_eot_and_sends_nothing_else(server_factory):
    printer = server_factory(b"\x16")  # 0001 0110: a valid status byte, online

    [result] = probe_range("127.0.0.1", port=printer.port, timeout=1)

    assert result.escpos
    assert result.online is True
    assert result.reply == b"\x16"
    assert bytes(printer.received) == STATUS_QUERY == b"\x10\x04\x01"


def test_probe_reports_offline_printers_as_found(server_factory):
    printer = server_factory(b"\x1e")  # bit 3 set: offline

    assert [r.online for r in find_printers(["127.0.0.1"], port=printer.port, timeout=1)] == [False]


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        (None, "no reply to DLE EOT 1"),
        (b"HTTP/1.0 400 Bad Request\r\n", "not an ESC/POS status byte"),
        (b"\xff", "not an ESC/POS status byte"),
    ],
)
def test_probe_does_not_report_hosts_that_do_not_answer_like_a_printer(server_factory, reply, detail):
    other = server_factory(reply)

    started = time.monotonic()
    [result] = probe_range("127.0.0.1", port=other.port, timeout=0.3)

    assert time.monotonic() - started < 2
    assert result.reachable
    assert not result.escpos
    assert detail in result.detail
    assert find_printers("127.0.0.1", port=other.port, timeout=0.3) == []


def test_probe_of_a_closed_port_is_not_reachable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused

        [result] = probe_range("127.0.0.1", port=port, timeout=0.3)

    assert not result.reachable
    assert not result.escpos


def test_probe_over_a_loopback_range_with_bounded_concurrency(server_factory):
    printer = server_factory(b"\x12")

    results = probe_range("127.0.0.1-4", port=printer.port, timeout=0.5, concurrency=2)

    assert [r.host for r in results] == ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]
    # the server listens on 127.0.0.1 only
    assert [r.host for r in results if r.escpos] == ["127.0.0.1"]


def test_target_expansion_and_size_limit():
    assert expand_targets("127.0.0.0/30") == ["127.0.0.1", "127.0.0.2"]
    assert expand_targets(["127.0.0.1", "127.0.0.1", "127.0.0.2-3"]) == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    with pytest.raises(ValueError, match="allows 1024"):
        expand_targets("127.0.0.0/16")
    with pytest.raises(ValueError, match="1..16"):
        expand_targets("127.0.0.1-200", max_hosts=16)


def test_probe_has_no_default_range():
    with pytest.raises(TypeError):
        probe_range()  # type: ignore[call-arg]


def test_probe_works_when_called_from_inside_a_running_event_loop():
    import asyncio

    from kasse.hardware.discovery.tcp_probe import probe_range

    async def caller():
        return probe_range("127.0.0.1", port=1, timeout=0.2)

    results = asyncio.run(caller())
    assert len(results) == 1
    assert not results[0].escpos
