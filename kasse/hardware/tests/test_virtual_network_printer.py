"""VirtualNetworkPrinter over a real socket on 127.0.0.1: jobs, cuts, DLE EOT, faults."""

from __future__ import annotations

import socket
import time

import pytest

from kasse.hardware.virtual.network_printer import PrinterState, VirtualNetworkPrinter, status_byte

ESC, GS = b"\x1b", b"\x1d"
CUT = GS + b"VA\x00"


def send(port: int, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(data)


def query(port: int, n: int, timeout: float = 0.5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"\x10\x04" + bytes([n]))
        try:
            return s.recv(1)
        except TimeoutError:
            return b""


def send_until_dropped(port: int, data: bytes) -> bool:
    """Keep sending until the printer resets the connection; True when it did."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        try:
            for _ in range(200):
                s.sendall(data)
                time.sleep(0.005)
            s.recv(1)
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


@pytest.fixture
def printer(tmp_path):
    with VirtualNetworkPrinter(0, paper_mm=58, out_dir=tmp_path, idle_timeout=2) as p:
        yield p


def test_job_arrives_split_at_cuts_and_decoded(printer, tmp_path) -> None:
    first = ESC + b"@" + ESC + b"t\x13" + "Bäckerei Müller\nSumme 3,20 €\n".encode("cp858") + CUT
    second = ESC + b"@" + ESC + b"t\x13" + "Grüße\n".encode("cp858") + CUT
    send(printer.port, first + second)
    jobs = printer.wait_for_jobs(2)
    assert [j.text for j in jobs] == ["Bäckerei Müller\nSumme 3,20 €", "Grüße"]
    assert all(j.complete for j in jobs)
    assert (tmp_path / "job-0001.txt").read_text(encoding="utf-8").startswith("Bäckerei Müller\nSumme 3,20 €\n")
    from PIL import Image

    with Image.open(tmp_path / "job-0002.png") as img:
        assert img.width == 384


def test_job_sent_in_small_pieces_is_reassembled(printer) -> None:
    data = ESC + b"t\x13" + "Preis 1,99 €\n".encode("cp858") + GS + b"k\x49\x05{B123" + CUT
    with socket.create_connection(("127.0.0.1", printer.port), timeout=2) as s:
        for i in range(len(data)):
            s.sendall(data[i : i + 1])
            time.sleep(0.001)
    (job,) = printer.wait_for_jobs(1)
    assert job.text == "Preis 1,99 €"
    assert [b.data for b in job.receipt.barcodes] == ["123"]


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (PrinterState.ONLINE, {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}),
        (PrinterState.COVER_OPEN, {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12}),
        (PrinterState.PAPER_NEAR_END, {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x1E}),
        (PrinterState.PAPER_OUT, {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E}),
    ],
)
def test_dle_eot_answers_each_state(printer, state, expected) -> None:
    printer.state = state
    assert {n: query(printer.port, n)[0] for n in (1, 2, 3, 4)} == expected
    assert all(status_byte(state, n) & 0x93 == 0x12 for n in (1, 2, 3, 4))  # type: ignore[operator]


def test_offline_printer_does_not_answer(printer) -> None:
    printer.state = PrinterState.OFFLINE
    assert query(printer.port, 1) == b""


def test_paper_out_rejects_the_job(printer) -> None:
    printer.state = PrinterState.PAPER_OUT
    send(printer.port, b"Hallo\n" + CUT)
    deadline = time.monotonic() + 2
    while printer.rejected_jobs == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert printer.rejected_jobs == 1
    assert printer.jobs == []


def test_connection_dropped_mid_job(printer) -> None:
    printer.drop_after_bytes = 20
    data = b"Zeile eins ist lang genug\nZeile zwei\n" + CUT
    assert send_until_dropped(printer.port, data)
    (job,) = printer.wait_for_jobs(1)
    assert not job.complete
    assert job.text == "Zeile eins ist lang "


def test_stop_answering_hangs_the_status_query(printer) -> None:
    printer.stop_answering = True
    assert query(printer.port, 1, timeout=0.3) == b""


def test_garbage_is_survived(printer) -> None:
    send(printer.port, bytes(range(256)) * 4 + b"\x1dV")
    printer.wait_for_jobs(1)
    send(printer.port, b"danach\n" + CUT)
    jobs = printer.wait_for_jobs(len(printer.jobs) + 1)
    assert jobs[-1].text == "danach"
    assert query(printer.port, 1) == b"\x12"


def test_stop_is_clean_and_frees_the_port() -> None:
    printer = VirtualNetworkPrinter(0).start()
    port = printer.port
    idle = socket.create_connection(("127.0.0.1", port), timeout=2)
    started = time.monotonic()
    printer.stop()
    assert time.monotonic() - started < 2
    idle.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
