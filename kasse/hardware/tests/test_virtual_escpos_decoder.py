"""The ESC/POS decoder: exact text with umlauts and €, commands, picture, garbage."""

from __future__ import annotations

import random

import pytest

from kasse.hardware.virtual.escpos_decoder import decode, paper_width_px
from kasse.hardware.virtual.escpos_tokens import iter_commands

ESC, GS = b"\x1b", b"\x1d"


def cp858(text: str) -> bytes:
    return text.encode("cp858")


def qr_store(data: bytes) -> bytes:
    n = len(data) + 3
    return GS + b"(k" + bytes([n % 256, n // 256]) + b"1P0" + data


def build_receipt() -> bytes:
    return b"".join(
        [
            ESC + b"@",
            ESC + b"t\x13",  # CP858
            ESC + b"a\x01" + ESC + b"E\x01" + cp858("Bäckerei Müller") + ESC + b"E\x00\n",
            ESC + b"a\x00" + cp858("Große Straße 5, 10115 Berlin") + b"\n",
            cp858("Brötchen 2 × 0,45 €".replace("×", "x")) + b"\n",
            GS + b"!\x11" + cp858("SUMME 12,50 €") + GS + b"!\x00\n",
            GS + b"h\x50" + GS + b"H\x02" + GS + b"k\x49\x0a{BBon-0042",
            GS + b"(k\x04\x001A2\x00" + GS + b"(k\x03\x001C\x04" + GS + b"(k\x03\x001E1",
            qr_store(b"https://kasse.example/r/42") + GS + b"(k\x03\x001Q0",
            GS + b"v0\x00\x02\x00\x02\x00\xff\xff\xff\xff",
            ESC + b"d\x02",
            GS + b"VA\x03",
        ]
    )


def test_text_in_cp858_is_exact() -> None:
    receipt = decode(build_receipt())
    assert receipt.text == ("Bäckerei Müller\nGroße Straße 5, 10115 Berlin\nBrötchen 2 x 0,45 €\nSUMME 12,50 €")
    assert receipt.notes == []


def test_cp437_has_umlauts_and_code_page_switches_mid_stream() -> None:
    data = ESC + b"t\x00" + "Grüße".encode("cp437") + b"\n" + ESC + b"t\x13" + "5 €".encode("cp858") + b"\n"
    assert decode(data).lines == ["Grüße", "5 €"]


def test_state_is_tracked_per_line() -> None:
    receipt = decode(build_receipt())
    first, _, _, total = receipt.elements[:4]
    assert first.align == "center"
    assert first.segments[0].bold
    assert total.segments[0].width == 2
    assert total.segments[0].height == 2


def test_barcode_qr_image_and_cut_are_recognised() -> None:
    receipt = decode(build_receipt())
    assert [(b.symbology, b.data, b.hri) for b in receipt.barcodes] == [("CODE128", "Bon-0042", 2)]
    assert [(q.data, q.module_size, q.error_level) for q in receipt.qr_codes] == [
        ("https://kasse.example/r/42", 4, "M")
    ]
    assert [(i.width, i.height) for i in receipt.images] == [(16, 2)]
    assert [(c.partial, c.feed) for c in receipt.cuts] == [(False, 3)]  # GS V 65 n: function B, full cut
    assert receipt.command_names[:3] == ["INIT", "CODE_PAGE", "ALIGN"]
    assert "[CODE128 Bon-0042]" in receipt.transcript()


def test_picture_has_paper_width_and_ink_where_text_is() -> None:
    for mm in (58, 80):
        picture = decode(build_receipt(), paper_width_px=paper_width_px(mm)).picture()
        assert picture.width == {58: 384, 80: 576}[mm]
        # the first text line (centred, bold) sits in the first 32 px
        band = picture.crop((0, 8, picture.width, 32))
        assert band.getextrema()[0] == 0
        assert picture.height > 300  # text, barcode, QR code and image below it


def test_unknown_commands_are_skipped_with_a_note() -> None:
    receipt = decode(b"A\n" + ESC + b"\x99" + b"B\n" + b"\x1c\x7f" + b"C\n")
    assert receipt.lines == ["A", "B", "C"]
    assert len(receipt.notes) == 2


def test_truncated_command_is_reported_not_raised() -> None:
    receipt = decode(b"Hallo\n" + GS + b"v0\x00\x10\x00\x10\x00\xff")
    assert receipt.lines == ["Hallo"]
    assert "stream ends inside a command" in receipt.notes[0]


@pytest.mark.slow
def test_garbage_never_raises() -> None:
    rng = random.Random(5)
    for _ in range(300):
        data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 400)))
        receipt = decode(data, paper_width_px=384)
        receipt.picture()
    # every prefix of a real receipt decodes too
    data = build_receipt()
    for cut_at in range(len(data)):
        decode(data[:cut_at])


def test_tokenizer_reports_incomplete_tail() -> None:
    commands, tail = iter_commands(b"ab" + GS + b"k\x49\x05{Bx")
    assert [c.name for c in commands] == ["TEXT"]
    assert tail == GS + b"k\x49\x05{Bx"
