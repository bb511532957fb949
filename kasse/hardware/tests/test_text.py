"""CP858 encoding with fallbacks, and fitting text to 32/42/48 columns."""

import pytest

from kasse.hardware.printers import escpos_render as r
from kasse.hardware.printers.base import ReceiptDocument
from kasse.hardware.printers.profiles import EPSON_TM_T20_42, GENERIC_58, HPRT_TP808
from kasse.hardware.printers.text import encode_text, fit_columns, wrap


def test_umlauts_sharp_s_and_euro_in_cp858():
    assert encode_text("ä") == b"\x84"
    assert encode_text("ö") == b"\x94"
    assert encode_text("ü") == b"\x81"
    assert encode_text("ß") == b"\xe1"
    assert encode_text("€") == b"\xd5"
    assert encode_text("ÄÖÜ") == b"\x8e\x99\x9a"


def test_rendered_receipt_line_carries_cp858_bytes():
    out = r.render(ReceiptDocument().text("Grüße: 3,99 €"), HPRT_TP808)
    assert out == b"\x1b@\x1bt\x13Gr\x81\xe1e: 3,99 \xd5\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("„Zitat“", b'"Zitat"'),
        ("a – b", b"a - b"),
        ("mehr…", b"mehr..."),
        ("Łódź", b"?\xa2dz"),  # ó is in CP858, Ł has no decomposition, ź loses its accent
        ("ẞ", b"SS"),
        ("☕", b"?"),
        ("中文", b"??"),
    ],
)
def test_fallback_never_crashes(text, expected):
    assert encode_text(text) == expected


def test_euro_falls_back_to_eur_on_a_page_without_it():
    assert encode_text("5 €", "cp437") == b"5 EUR"


def test_wrap_breaks_words_and_long_tokens():
    assert wrap("eins zwei drei", 9) == ["eins zwei", "drei"]
    assert wrap("x" * 10, 4) == ["xxxx", "xxxx", "xx"]
    assert wrap("", 10) == [""]


@pytest.mark.parametrize("width", [32, 42, 48])
def test_two_columns_fit_exactly(width):
    [line] = fit_columns("Milch 1,5 %", "1,19 €", width)
    assert len(line) == width
    assert line.startswith("Milch 1,5 %")
    assert line.endswith(" 1,19 €")


@pytest.mark.parametrize("width", [32, 42, 48])
def test_long_item_names_wrap_and_keep_the_price_on_the_first_line(width):
    name = "Bio Vollkorn Dinkelbrötchen mit Sonnenblumenkernen und Kürbiskernen, 6 Stück im Beutel"
    lines = fit_columns(name, "12,34 €", width)
    assert len(lines) >= 2
    assert all(len(line) <= width for line in lines)
    assert lines[0].endswith(" 12,34 €")
    assert len(lines[0]) == width
    assert " ".join(line.replace("12,34 €", "").strip() for line in lines) == name


def test_right_part_too_wide_goes_on_its_own_line():
    lines = fit_columns("Artikel", "1234567890", 12)
    assert lines == ["Artikel", "  1234567890"]


def test_columns_rendered_at_profile_width():
    for profile, width in ((GENERIC_58, 32), (EPSON_TM_T20_42, 42), (HPRT_TP808, 48)):
        out = r.render(ReceiptDocument().columns("Summe", "10,00 €"), profile)
        body = out[len(b"\x1b@\x1bt\x13") :]
        assert body == b"Summe" + b" " * (width - 12) + b"10,00 \xd5\n"


def test_double_width_text_wraps_at_half_width():
    out = r.render(ReceiptDocument().text("x" * 20, double_width=True), GENERIC_58)
    assert b"x" * 16 + b"\n" + b"x" * 4 + b"\n" in out


def test_fallbacks_count_in_the_width():
    out = r.render(ReceiptDocument().columns("Kaffee…", "2,00 €"), GENERIC_58)
    assert out.endswith(b"Kaffee..." + b" " * (32 - 9 - 6) + b"2,00 \xd5\n")
