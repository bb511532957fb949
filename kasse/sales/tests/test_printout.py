"""The printed receipt: built from a sale, rendered to ESC/POS, decoded back by the virtual printer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.hardware.printers.escpos_render import render
from kasse.hardware.printers.profiles import get_profile
from kasse.hardware.virtual.escpos_decoder import decode
from kasse.sales.printout import receipt_document
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale

pytestmark = pytest.mark.django_db
D = Decimal


def _sale(register, cashier, rolls, coffee):
    return complete_sale(actor=Actor.system(), register=register, employee=cashier, cart=SaleInput(
        id=uuid7(), lines=[LineInput(rolls.variants.get().pk, D(3)), LineInput(coffee.variants.get().pk, D(1))],
        payments=[PaymentInput("cash", D("10.00"))]))


def test_printed_receipt_has_what_the_law_and_the_customer_need_in_german(register, cashier, shift, rolls, coffee):
    sale = _sale(register, cashier, rolls, coffee)
    data = render(receipt_document(sale, language="de"), get_profile("epson-tm-t20"))
    printed = decode(data).text
    lines = [line.rstrip() for line in printed.splitlines()]
    org = register.organization
    assert lines[0].strip() == org.legal_name
    assert f"USt-IdNr. {org.vat_id}" in printed
    assert any(line.startswith("Brötchen") and line.endswith("1,35 2") for line in lines)
    assert "  3 x 0,45" in lines
    assert any(line.startswith("Summe") and line.endswith("4,15 EUR") for line in lines)
    assert any(line.startswith("1 = 19 %") and line.endswith("2,35  0,45  2,80") for line in lines)
    assert any(line.startswith("2 = 7 %") and line.endswith("1,26  0,09  1,35") for line in lines)
    assert any(line.startswith("Rückgeld") and line.endswith("5,85") for line in lines)
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
