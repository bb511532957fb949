"""The printers' ESC/POS renderer and the virtual printer's decoder agree (whole receipt, umlauts, €)."""

from __future__ import annotations

import socket

from PIL import Image

from kasse.hardware.printers import escpos_render
from kasse.hardware.printers.base import Align, ReceiptDocument
from kasse.hardware.printers.profiles import GENERIC_58
from kasse.hardware.virtual.escpos_decoder import decode
from kasse.hardware.virtual.network_printer import VirtualNetworkPrinter


def document() -> ReceiptDocument:
    logo = Image.new("1", (64, 16), 0)
    doc = ReceiptDocument()
    doc.logo(logo)
    doc.text("Bäckerei Müller", align=Align.CENTER, bold=True)
    doc.columns("2 x Brötchen", "0,90 €")
    doc.text("SUMME 12,50 €", double_width=True, double_height=True)
    doc.barcode("Bon-0042")
    doc.qr("https://kasse.example/r/42")
    doc.cut()
    return doc


def test_rendered_receipt_decodes_to_the_same_text_over_tcp() -> None:
    data = escpos_render.render(document(), GENERIC_58)
    with VirtualNetworkPrinter(0, paper_mm=58, idle_timeout=2) as printer:
        with socket.create_connection(("127.0.0.1", printer.port), timeout=2) as s:
            s.sendall(data)
        (job,) = printer.wait_for_jobs(1)
    lines = [line.strip() for line in job.receipt.lines if line.strip()]
    assert lines[0] == "Bäckerei Müller"
    assert lines[1].startswith("2 x Brötchen") and lines[1].endswith("0,90 €")  # noqa: PT018
    assert lines[2] == "SUMME 12,50 €"
    assert [b.data for b in job.receipt.barcodes] == ["Bon-0042"]
    assert [q.data for q in job.receipt.qr_codes] == ["https://kasse.example/r/42"]
    assert len(job.receipt.images) >= 1
    assert job.receipt.notes == []
    assert decode(data, paper_width_px=384).picture().width == 384
