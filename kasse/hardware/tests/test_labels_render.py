"""Label documents and their exact TSPL and ZPL bytes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kasse.hardware.labels import (
    BarcodeField,
    LabelDocument,
    TextField,
    base_price_line,
    ean13_is_valid,
    format_eur,
    render_tspl,
    render_zpl,
    shelf_label,
)


def cheese() -> LabelDocument:
    return shelf_label(
        "Bio-Bergkäse am Stück", Decimal("1.95"), ean="4006381333931", quantity=Decimal(250), unit="g", copies=3
    )


def test_german_number_format() -> None:
    assert format_eur(Decimal("1.95")) == "1,95 €"
    assert format_eur(Decimal("1234.5")) == "1.234,50 €"
    assert format_eur(Decimal("-0.005")) == "-0,01 €"


def test_base_price_per_kg_and_l() -> None:
    assert base_price_line(Decimal("1.95"), Decimal(250), "g") == "1 kg = 7,80 €"
    assert base_price_line(Decimal("0.99"), Decimal("1.5"), "l") == "1 l = 0,66 €"
    assert base_price_line(Decimal("2.49"), Decimal(330), "ml") == "1 l = 7,55 €"
    with pytest.raises(ValueError, match="unit"):
        base_price_line(Decimal(1), Decimal(1), "Stück")


def test_ean13_check_digit() -> None:
    assert ean13_is_valid("4006381333931")
    assert not ean13_is_valid("4006381333932")
    with pytest.raises(ValueError, match="EAN-13"):
        BarcodeField(0, 0, "4006381333932")


def test_tspl_bytes_for_a_shelf_label() -> None:
    assert render_tspl(cheese()) == (
        b"SIZE 50 mm,30 mm\r\n"
        b"GAP 2 mm,0 mm\r\n"
        b"DIRECTION 1\r\n"
        b"CODEPAGE 1252\r\n"
        b"CLS\r\n"
        b'TEXT 16,16,"1",0,2,2,"Bio-Bergk\xe4se am St\xfcck"\r\n'
        b'TEXT 16,76,"2",0,2,2,"1,95 \x80"\r\n'
        b'TEXT 16,124,"2",0,1,1,"1 kg = 7,80 \x80"\r\n'
        b'BARCODE 160,144,"EAN13",56,1,0,2,2,"400638133393"\r\n'
        b"PRINT 3\r\n"
    )


def test_zpl_bytes_for_a_shelf_label() -> None:
    assert (
        render_zpl(cheese())
        == (
            "^XA\n^CI28\n^PW400\n^LL240\n"
            "^FO16,16^A0N,24,24^FDBio-Bergkäse am Stück^FS\n"
            "^FO16,76^A0N,40,40^FD1,95 €^FS\n"
            "^FO16,124^A0N,20,20^FD1 kg = 7,80 €^FS\n"
            "^FO160,144^BY2^BEN,56,Y,N^FD400638133393^FS\n"
            "^PQ3\n^XZ\n"
        ).encode()
    )


def test_special_characters_are_escaped() -> None:
    doc = LabelDocument(40, 20, texts=(TextField(1, 1, 'Zoll 5" ^Tipp~'),))
    assert b'TEXT 8,8,"1",0,2,2,"Zoll 5\\["] ^Tipp~"\r\n' in render_tspl(doc)
    assert b'^FH^FDZoll 5" _5ETipp_7E^FS' in render_zpl(doc)


def test_long_names_wrap_to_two_lines_that_fit() -> None:
    doc = shelf_label("Sehr lange Produktbezeichnung mit vielen Wörtern darin", Decimal(3), width_mm=40)
    assert [t.text for t in doc.texts[:2]] == ["Sehr lange", "Produktbezeichnung"]
