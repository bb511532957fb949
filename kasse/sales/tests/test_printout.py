"""The printed receipt: built from a sale, rendered to ESC/POS, decoded back by the virtual printer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.hardware.printers.escpos_render import render
from kasse.hardware.printers.profiles import get_profile
from kasse.hardware.printers.text import fit_table
from kasse.hardware.virtual.escpos_decoder import decode
from kasse.sales.printout import receipt_document
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale

pytestmark = pytest.mark.django_db
D = Decimal


def _sale(register, cashier, rolls, coffee):
    return complete_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        cart=SaleInput(
            id=uuid7(),
            lines=[LineInput(rolls.variants.get().pk, D(3)), LineInput(coffee.variants.get().pk, D(1))],
            payments=[PaymentInput("cash", D("10.00"))],
        ),
    )


def test_printed_receipt_has_what_the_law_and_the_customer_need_in_german(register, cashier, shift, rolls, coffee):
    sale = _sale(register, cashier, rolls, coffee)
    data = render(receipt_document(sale, language="de"), get_profile("epson-tm-t20"))
    printed = decode(data).text
    lines = [line.rstrip() for line in printed.splitlines()]
    org = register.organization
    assert lines[0].strip() == org.legal_name
    assert f"USt-IdNr. {org.vat_id}" in printed
    assert any(line.startswith("Brötchen") and line.endswith("1,35 € 2") for line in lines)
    assert "  3 x 0,45 €" in lines
    assert any(line.startswith("Summe") and line.endswith("4,15 €") for line in lines)
    assert any(line.startswith("1 = 19 %") and line.endswith("2,35   0,45    2,80") for line in lines)
    assert any(line.startswith("2 = 7 %") and line.endswith("1,26   0,09    1,35") for line in lines)
    assert any(line.startswith("Rückgeld") and line.endswith("5,85 €") for line in lines)
    assert f"({register.serial_number})" in printed
    assert "Es bediente Sie Clara" in printed
    assert all(len(line) <= 48 for line in lines)
    decoded = decode(data)
    assert [b.data for b in decoded.barcodes] == [f"R-{register.store.number}-{register.number}-1"]
    assert len(decoded.cuts) == 1


def test_printed_receipt_in_english_and_on_58_mm(register, cashier, shift, rolls, coffee):
    sale = _sale(register, cashier, rolls, coffee)
    printed = decode(render(receipt_document(sale, language="en"), get_profile("generic-58"))).text
    assert "Total" in printed
    assert "Change" in printed
    assert all(len(line.rstrip()) <= 32 for line in printed.splitlines())


def test_euro_sign_and_umlauts_survive_the_code_page(register, cashier, shift, rolls, coffee):
    register.store.receipt_footer = "Schönen Tag! Gutscheine ab 5 €"
    register.store.save()
    sale = _sale(register, cashier, rolls, coffee)
    printed = decode(render(receipt_document(sale, language="de"), get_profile("hprt-tp808"))).text
    assert "Schönen Tag! Gutscheine ab 5 €" in printed


PROFILE_WIDTHS = {"epson-tm-t20": 48, "hprt-tp808": 48, "epson-tm-t20-42": 42, "epson-tm-t88": 42, "generic-58": 32}


def _vat_lines(lines: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith("MwSt-Satz"))
    return lines[start : start + 3]


@pytest.mark.parametrize("profile", sorted(PROFILE_WIDTHS))
def test_vat_amounts_end_exactly_under_their_headings_on_every_profile(
    profile, register, cashier, shift, rolls, coffee
):
    sale = _sale(register, cashier, rolls, coffee)
    lines = decode(render(receipt_document(sale, language="de"), get_profile(profile))).text.splitlines()
    width = PROFILE_WIDTHS[profile]
    header, first, second = _vat_lines(lines)
    assert header == "MwSt-Satz".ljust(width - 22) + "  Netto  MwSt.  Brutto"
    assert first == "1 = 19 %".ljust(width - 22) + "   2,35   0,45    2,80"
    assert second == "2 = 7 %".ljust(width - 22) + "   1,26   0,09    1,35"
    for row in (first, second):
        for heading in ("Netto", "MwSt.", "Brutto"):
            end = header.index(heading) + len(heading)
            assert row[end - 1] != " "
            assert row[end : end + 1] in ("", " ")


def test_vat_table_with_wide_amounts_on_58_mm_puts_the_rate_above_its_amounts():
    rows = (("1 = 19 %", "1.234,56", "234,57", "1.469,13"),)
    assert fit_table(("MwSt-Satz", "Netto", "MwSt", "Brutto"), rows, 32) == [
        "MwSt-Satz",
        "           Netto   MwSt   Brutto",
        "1 = 19 %",
        "        1.234,56 234,57 1.469,13",
    ]


def test_register_name_printed_once_and_weighed_line_shows_kg_and_euro_per_kg(register, cashier, shift, cheese):
    sale = complete_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        cart=SaleInput(
            id=uuid7(),
            lines=[LineInput(cheese.variants.get().pk, D("0.235"))],
            payments=[PaymentInput("cash", D("10.00"))],
        ),
    )
    lines = decode(render(receipt_document(sale, language="de"), get_profile("epson-tm-t20"))).text.splitlines()
    assert f"Kasse 1 ({register.serial_number})" in lines
    assert not any("Kasse Kasse" in line for line in lines)
    assert "  0,235 kg x 24,90 €/kg" in lines
    assert any(line.startswith("Bergkäse") and line.endswith("5,85 € 2") for line in lines)


def test_a_register_not_named_kasse_is_introduced_by_the_word(register, cashier, shift, rolls, coffee):
    register.name = "Theke"
    register.save()
    sale = _sale(register, cashier, rolls, coffee)
    text = decode(render(receipt_document(sale, language="de"), get_profile("epson-tm-t20"))).text
    assert f"Kasse Theke ({register.serial_number})" in text.splitlines()


def test_euro_sign_throughout_and_the_total_in_double_height(register, cashier, shift, rolls, coffee):
    sale = _sale(register, cashier, rolls, coffee)
    data = render(receipt_document(sale, language="de"), get_profile("epson-tm-t20"))
    decoded = decode(data)
    assert "EUR" not in decoded.text
    total = "Summe".ljust(41) + " 4,15 €"
    # bold on, GS ! 0x01 (double height, normal width), the line, then back to normal size
    assert b"\x1bE\x01\x1d!\x01" + total.encode("cp858") + b"\n" in data
    line = next(e for e in decoded.elements if getattr(e, "text", "") == total)
    assert [(s.height, s.width, s.bold) for s in line.segments] == [(2, 1, True)]
    lines = decoded.text.splitlines()
    assert "Bar".ljust(42) + "4,15 €" in lines
    assert "Gegeben".ljust(41) + "10,00 €" in lines
    assert "Rückgeld".ljust(42) + "5,85 €" in lines


@pytest.mark.parametrize(
    ("profile", "ending"),
    [
        ("epson-tm-t20", b"\x1dVA\x18"),  # GS V 65 n: feed to the cutter + 3 mm at 203 dpi (24 dots), full cut
        ("hprt-tp808", b"\x1dVA\x28"),  # its cutter sits 15 mm past the head: 5 mm margin (40 dots)
        ("epson-tm-t88", b"\x1dVA\x15"),  # 180 dpi: 21 units
        ("generic-58", b"\x1bd\x05"),  # no cutter: five lines to the tear bar
    ],
)
def test_the_receipt_ends_with_feed_and_cut_at_the_profiles_distance(
    profile, ending, register, cashier, shift, rolls, coffee
):
    sale = _sale(register, cashier, rolls, coffee)
    data = render(receipt_document(sale, language="de"), get_profile(profile))
    code = b"{B" + f"R-{register.store.number}-{register.number}-1".encode()
    assert data[data.rindex(code) + len(code) :] == b"\n" + ending + b"\x1ba\x00"
    assert data.endswith(ending + b"\x1ba\x00")
    assert b"\x1bd\x03" not in data  # the old short feed before a plain cut is gone
    cuts = decode(data).cuts
    if profile == "generic-58":
        assert cuts == []
    else:
        assert [(c.partial, c.feeds_to_cutter, c.feed) for c in cuts] == [(False, True, ending[-1])]


def test_the_footer_wraps_between_phrases_not_inside_them(register, cashier, shift, rolls, coffee):
    register.store.receipt_footer = (
        "Vielen Dank für Ihren Einkauf! Brot von gestern gibt es zum halben Preis. Bis bald!"
    )
    register.store.save()
    sale = _sale(register, cashier, rolls, coffee)
    for profile, expected in [
        ("epson-tm-t20", ["Vielen Dank für Ihren Einkauf!", "Brot von gestern gibt es zum halben Preis.", "Bis bald!"]),
        ("generic-58", ["Vielen Dank für Ihren Einkauf!", "Brot von gestern gibt es zum", "halben Preis. Bis bald!"]),
    ]:
        lines = [
            line.strip()
            for line in decode(render(receipt_document(sale, language="de"), get_profile(profile))).text.splitlines()
        ]
        start = lines.index("Vielen Dank für Ihren Einkauf!")
        assert lines[start : start + 3] == expected


def test_the_longest_dsfinvk_qr_code_fits_a_58_mm_printer_at_the_receipts_module_size():
    """The receipt prints the TSE's QR payload at 3 dots a module (``printout.py``): the longest payload kasse
    can sign (five VAT slots with six-digit amounts, cash and non-cash in a foreign currency, a SHA-384 ECDSA
    signature and a brainpoolP384r1 public key, a 64-character serial) fits 384 dots with its quiet zone."""
    import base64
    from datetime import UTC, datetime

    import segno

    from kasse.fiscal.qr import qr_payload

    process_data = "Beleg^999999.99_999999.99_999999.99_999999.99_999999.99^999999.99:Bar:CHF_999999.99:Unbar"
    payload = qr_payload(
        client_serial="K" * 64,
        process_type="Kassenbeleg-V1",
        process_data=process_data,
        transaction_number=2**31,
        signature_counter=2**31 + 1,
        time_start=datetime(2026, 12, 7, 17, 0, 1, tzinfo=UTC),
        log_time=datetime(2026, 12, 7, 17, 0, 3, tzinfo=UTC),
        signature_algorithm="ecdsa-plain-SHA384",
        log_time_format="generalizedTimeWithMilliseconds",
        signature=base64.b64encode(b"\xff" * 96).decode(),  # r || s, 48 bytes each
        public_key=base64.b64encode(b"\x04" + b"\xff" * 96).decode(),  # an uncompressed point
    )
    code = segno.make(payload, error="m", boost_error=False)  # the printer's level M, byte mode
    width_58mm = 384
    dots = (code.symbol_size(border=0)[0] + 2 * 4) * 3  # four modules of quiet zone on each side
    assert dots <= width_58mm, (len(payload), code.version, dots)
