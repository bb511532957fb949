"""Gift cards in the fiscal records: the TSE's processData, the DSFinV-K export (checked file by file) and
the Z report."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.fiscal.models import TseTransactionRecord
from kasse.fiscal.services import create_development_tse, register_tse_client
from kasse.hardware.printers.base import Barcode, Columns, QRCode
from kasse.printing.documents import shift_report_document
from kasse.sales.dsfinvk.export import closings
from kasse.sales.fiscal_signing import sale_receipt, sign_sale
from kasse.sales.printout import receipt_document
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.sales.services.shifts import close_shift, shift_figures
from kasse.sales.tests.dsfinvk_check import decimal_of, export_zip, read_export
from kasse.vouchers.models import Voucher
from kasse.vouchers.tests.conftest import sell

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dev_tse(organization, store, register):
    device = create_development_tse(organization=organization, actor=Actor.system(), store=store)
    register_tse_client(register=register, actor=Actor.system())
    return device


def _day(register, cashier, gift_card, spa_voucher, coffee):
    sold = sell(register, cashier, cards=[(gift_card, "MZWECK0001", "20.00"), (spa_voucher, "EZWECK0001", "10.00")])
    paid = sell(register, cashier, [(coffee, 3)], paid_with=[("MZWECK0001", "5.00")])  # 8.40: 5 card, 3.40 cash
    spa = sell(register, cashier, [(coffee, 2)], paid_with=[("EZWECK0001", "5.60")])  # all paid by the voucher
    with scopes_disabled():
        line = paid.lines.get(position=1)
    back = refund_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        original=paid,
        lines=[RefundLineInput(line.pk, D(1))],
        refund_id=uuid7(),
    )  # 2.80 back onto the card
    return sold, paid, spa, back


def test_the_tse_signs_a_card_sold_as_not_taxable_and_a_redemption_as_a_line_not_a_payment(
    organization, register, cashier, shift, gift_card, spa_voucher, coffee, dev_tse
):
    sold, paid, spa, back = _day(register, cashier, gift_card, spa_voucher, coffee)
    with scope(organization=organization):
        texts = {}
        for name, sale in (("sold", sold), ("paid", paid), ("spa", spa), ("back", back)):
            sign_sale(sale)
            texts[name] = TseTransactionRecord.objects.filter(tx_id=sale.pk).latest("created_at").process_data
    # multi-purpose card: 20 € in the 0 % slot (not taxable); single-purpose: 10 € at 19 %
    assert texts["sold"] == "Beleg^10.00_0.00_0.00_0.00_20.00^30.00:Bar"
    # 8.40 € coffee at 19 %, the card's 5 € off in the 0 % slot, 3.40 € cash
    assert texts["paid"] == "Beleg^8.40_0.00_0.00_0.00_-5.00^3.40:Bar"
    # the single-purpose voucher's VAT was paid when sold: nothing at 19 % again, no money
    assert texts["spa"] == "Beleg^0.00_0.00_0.00_0.00_0.00^"
    # the return: 2.80 € coffee back, onto the card (0 % slot), no money
    assert texts["back"] == "Beleg^-2.80_0.00_0.00_0.00_2.80^"
    with scope(organization=organization):
        assert list(sale_receipt(paid).payments.values()) == [D("3.40")]


def test_the_dsfinvk_export_has_the_voucher_business_cases_and_codes(
    organization, register, cashier, shift, gift_card, spa_voucher, coffee, dev_tse
):
    sold, paid, spa, back = _day(register, cashier, gift_card, spa_voucher, coffee)
    with scope(organization=organization):
        for sale in (sold, paid, spa, back):
            sign_sale(sale)
    closed = close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={"50": 1})
    with scope(organization=organization):
        today = timezone.localdate()
        files = read_export(export_zip(closings([register], today, today)))  # every value checked against the spec
    lines = {(r["BON_ID"], r["POS_ZEILE"]): r for r in files["lines.csv"]}
    vat = {(r["BON_ID"], r["POS_ZEILE"]): r for r in files["lines_vat.csv"]}

    def line(sale, position):
        row, v = lines[(str(sale.pk), str(position))], vat[(str(sale.pk), str(position))]
        return row["GV_TYP"], row["GUTSCHEIN_NR"], v["UST_SCHLUESSEL"], decimal_of(v["POS_BRUTTO"])

    assert line(sold, 1) == ("MehrzweckgutscheinKauf", "MZWECK0001", "5", D("20.00"))
    assert line(sold, 2) == ("EinzweckgutscheinKauf", "EZWECK0001", "1", D("10.00"))
    assert line(paid, 1) == ("Umsatz", "", "1", D("8.40"))
    assert line(paid, 2) == ("MehrzweckgutscheinEinloesung", "MZWECK0001", "5", D("-5.00"))
    assert line(spa, 2) == ("EinzweckgutscheinEinloesung", "EZWECK0001", "1", D("-5.60"))
    assert line(back, 1) == ("Umsatz", "", "1", D("-2.80"))
    assert line(back, 2) == ("MehrzweckgutscheinEinloesung", "MZWECK0001", "5", D("2.80"))
    # a voucher is no means of payment (Guthabenkarte is e-money only): payments are the money alone
    pays = {(r["BON_ID"], r["ZAHLART_TYP"]): decimal_of(r["BASISWAEH_BETRAG"]) for r in files["datapayment.csv"]}
    assert pays[(str(paid.pk), "Bar")] == D("3.40")
    assert not [k for k in pays if k[0] in (str(spa.pk), str(back.pk))]
    # the closing's business cases per GV_TYP and VAT id
    cases = {(r["GV_TYP"], r["UST_SCHLUESSEL"]): decimal_of(r["Z_UMS_BRUTTO"]) for r in files["businesscases.csv"]}
    assert cases[("MehrzweckgutscheinKauf", "5")] == D("20.00")
    assert cases[("MehrzweckgutscheinEinloesung", "5")] == D("-2.20")  # -5.00 paid, +2.80 given back
    assert cases[("EinzweckgutscheinKauf", "1")] == D("10.00")
    assert cases[("EinzweckgutscheinEinloesung", "1")] == D("-5.60")
    assert cases[("Umsatz", "1")] == D("8.40") + D("5.60") - D("2.80")
    # the Z report: the money in the drawer is the cash taken, the gift cards are their own rows
    figures = shift_figures(closed)
    assert figures.by_payment == {"cash": D("33.40")}
    assert figures.vouchers_sold == D("30.00")
    assert figures.vouchers_redeemed == D("7.80")  # 5.00 + 5.60 - 2.80
    with scope(organization=organization):
        z_rows = {
            b.left: b.right for b in shift_report_document(closed, language="en").blocks if isinstance(b, Columns)
        }
        printed = receipt_document(sold, language="en").blocks
    assert (z_rows["Gift cards sold"], z_rows["Paid with gift cards"]) == ("30.00", "7.80")
    # the receipt that sold the cards: each code as a barcode, each balance page as a QR code
    assert [b.data for b in printed if isinstance(b, Barcode)][:2] == ["MZWECK0001", "EZWECK0001"]
    with scopes_disabled():
        tokens = [Voucher.objects.get(code=c).public_token for c in ("MZWECK0001", "EZWECK0001")]
    links = [b.data for b in printed if isinstance(b, QRCode) and "/gift-card/" in b.data]
    assert [link.rsplit("/gift-card/", 1)[1].strip("/") for link in links] == tokens
