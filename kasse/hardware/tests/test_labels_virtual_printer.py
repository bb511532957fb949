"""TSPL and ZPL labels round-trip through VirtualLabelPrinter over a real socket on 127.0.0.1."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest

from kasse.hardware.labels import render_tspl, render_zpl, shelf_label
from kasse.hardware.virtual.label_parser import parse_label_job
from kasse.hardware.virtual.label_printer import LabelPrinterState, VirtualLabelPrinter


def send(port: int, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(data)


def status(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=0.3) as s:
        s.sendall(b"\x1b!?")
        try:
            return s.recv(1)
        except TimeoutError:
            return b""


@pytest.fixture
def printer(tmp_path):
    with VirtualLabelPrinter(0, out_dir=tmp_path, idle_timeout=2) as p:
        yield p


LABEL = shelf_label(
    "Bio-Bergkäse am Stück", Decimal("1.95"), ean="4006381333931", quantity=Decimal(250), unit="g", copies=2
)


@pytest.mark.parametrize("render", [render_tspl, render_zpl], ids=["tspl", "zpl"])
def test_round_trip(printer, tmp_path, render) -> None:
    send(printer.port, render(LABEL))
    (label,) = printer.wait_for_labels(1)
    assert label.text_values == ["Bio-Bergkäse am Stück", "1,95 €", "1 kg = 7,80 €"]
    assert [(b.symbology, b.data) for b in label.barcodes] == [("EAN13", "4006381333931")]
    assert (label.width_dots, label.height_dots, label.copies) == (400, 240, 2)
    assert label.notes == []
    picture = label.picture()
    assert picture.size == (400, 240)
    assert picture.crop((16, 16, 200, 40)).getextrema()[0] == 0  # ink where the name is
    assert (tmp_path / "label-0001.png").exists()
    assert "1 kg = 7,80 €" in (tmp_path / "label-0001.txt").read_text(encoding="utf-8")


def test_two_jobs_on_one_connection(printer) -> None:
    send(printer.port, render_zpl(LABEL) + render_tspl(LABEL))
    labels = printer.wait_for_labels(2)
    assert [label.language for label in labels] == ["ZPL", "TSPL"]


def test_status_and_offline(printer) -> None:
    assert status(printer.port) == b"\x00"
    printer.state = LabelPrinterState.PAPER_OUT
    assert status(printer.port) == b"\x04"
    printer.state = LabelPrinterState.OFFLINE
    assert status(printer.port) == b""
    send(printer.port, render_tspl(LABEL))
    printer.wait_for_labels(1, timeout=0.3)
    assert printer.labels == []


def test_stop_answering(printer) -> None:
    printer.stop_answering = True
    assert status(printer.port) == b""


def test_garbage_label_jobs_do_not_raise() -> None:
    for data in (
        b"",
        b"\xff\x00^XA^FO,^A0N^FD",
        b"TEXT 1\r\nBARCODE\r\nPRINT x\r\n",
        bytes(range(256)),
        b"^XA^BEN^FS^XZ",
    ):
        for label in parse_label_job(data):
            label.picture()
