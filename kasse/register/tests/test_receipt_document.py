"""One receipt document, four renderings: printer (ESC/POS), PDF, on-screen HTML and e-mail show the same facts.

Each test builds the receipt of a stored sale once, renders it four ways and reads every rendering back as
text (the printer's bytes through the virtual printer's decoder, the PDF's drawn text, the HTML's text, the
e-mail's text part and its HTML alternative); the facts of the document appear in each, in the same order.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.template.loader import render_to_string
from django.utils import translation
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.hardware.printers.escpos_render import render
from kasse.hardware.printers.profiles import get_profile
from kasse.hardware.virtual.escpos_decoder import decode
from kasse.register.receipt_pdf import receipt_pdf
from kasse.register.services.receipts import email_receipt
from kasse.sales.printout import print_layout
from kasse.sales.receipt import FiscalBlock, Receipt, amount, build_receipt, euro
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.exchanges import exchange_sale
from kasse.sales.services.refunds import RefundLineInput, ReturnItemInput, refund_sale, refund_without_receipt
from kasse.sales.services.rules import Approval
from kasse.sales.services.shifts import open_shift
from kasse.testing.factories import CustomerFactory, ProductFactory
from kasse.testing.pdf import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_open")]
D = Decimal


@pytest.fixture
def _open(in_scope, register, cashier):
    open_shift(actor=Actor.system(), register=register, employee=cashier, count={"20": 5})


def _variant(product):
    with scopes_disabled():
        return product.variants.get()


def _html_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser").select_one("[data-testid=receipt]")
    return "\n".join(soup.stripped_strings)


def _renderings(receipt: Receipt, sale, mailoutbox, capture) -> dict[str, str]:
    """The receipt as the printer, the PDF, the screen and the e-mail (text and HTML part) show it, in German."""
    printed = decode(render(print_layout(receipt, language="de"), get_profile("epson-tm-t20"))).text
    with translation.override("de"):
        pdf = pdf_text(receipt_pdf(receipt))
        screen = _html_text(
            render_to_string("register/receipts/receipt_body.html", {"receipt": receipt, "barcode": True})
        )
    with capture(execute=True):
        email_receipt(actor=Actor.system(), sale=sale, to="kunde@example.org")
    mail = mailoutbox[-1]
    assert pdf_text(mail.attachments[0][1]) == pdf  # the attachment is the same PDF
    return {
        "printer": printed,
        "pdf": pdf,
        "screen": screen,
        "email text": mail.body,
        "email html": _html_text(mail.alternatives[0][0]),
    }


def _facts(receipt: Receipt) -> list[str]:
    """Every fact of the receipt as text, in the order a receipt shows them."""
    with translation.override("de"):
        header = receipt.header
        facts = [header.company, header.store, header.street, header.place]
        facts += [text for text in (header.tax_id_text, receipt.return_text) if text]
        for line in receipt.lines:
            facts += [line.name, line.amount_text]
            facts += [text for text in (line.quantity_text, line.discount_text, line.note) if text]
        facts.append(euro(receipt.total))
        for row in receipt.vat_rows:
            facts += [row.label, amount(row.net), amount(row.vat), amount(row.gross)]
        for payment in receipt.payments:
            facts += [payment.label, euro(payment.amount)]
            if payment.tendered:
                facts.append(euro(payment.tendered))
        if receipt.change:
            facts.append(euro(receipt.change))
        facts += [receipt.title, receipt.time_text, receipt.register_text, receipt.cashier_text]
        if receipt.customer is not None:
            facts.append(receipt.customer.text)
            facts += [loyalty.text for loyalty in receipt.customer.loyalty]
        facts += list(receipt.footer)
    return facts


def _assert_in_order(text: str, facts: list[str], where: str) -> None:
    flat = " ".join(text.replace("\xa0", " ").split())
    position = 0
    for fact in facts:
        found = flat.find(" ".join(fact.split()), position)
        assert found >= 0, f"{where}: {fact!r} missing after position {position}:\n{flat[position:]}"
        position = found + len(fact)


def test_a_sale_shows_the_same_facts_on_paper_pdf_screen_and_email(
    register, cashier, manager, bakery, mailoutbox, django_capture_on_commit_callbacks
):
    # Given a sale with a discounted line, a weighed line, a note, a customer, cash with change and a card
    organization = register.organization
    organization.vat_id, organization.tax_number = "DE123456789", "12/345/67890"
    organization.save()
    register.store.receipt_footer = "Danke für Ihren Einkauf!\nBis bald"
    register.store.save()
    customer = CustomerFactory(organization=organization, first_name="Erika", last_name="Muster")
    sale = complete_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        cart=SaleInput(
            id=uuid7(),
            customer_id=customer.pk,
            lines=[
                LineInput(
                    _variant(bakery["rolls"]).pk,
                    D(3),
                    discount_percent=D(10),
                    note="warm",
                    approval=Approval(manager, discount_percent=D(10)),
                ),
                LineInput(_variant(bakery["coffee"]).pk, D(1)),
                LineInput(_variant(bakery["cheese"]).pk, D("0.235")),
            ],
            payments=[PaymentInput("card", D("3.00")), PaymentInput("cash", D("10.00"))],
        ),
    )
    receipt = build_receipt(sale)
    # When it is printed, downloaded, shown and e-mailed
    renderings = _renderings(receipt, sale, mailoutbox, django_capture_on_commit_callbacks)
    # Then every rendering shows every fact of the document, in the same order
    facts = _facts(receipt)
    with translation.override("de"):
        assert receipt.customer is not None
        assert receipt.customer.text == f"Kunde {customer.customer_number}: Erika Muster"
    assert "0,235 kg x 24,90 €/kg" in facts  # the PDF and the screen used to write "0,235 × 24,90"
    for where, text in renderings.items():
        _assert_in_order(text, facts, where)
        # one tax id: the VAT ID (the PDF and the screen used to show the tax number as well)
        assert "12/345/67890" not in text, where
    # And the receipt code is the printer's barcode, the PDF's and the screen's text under the bars
    assert [
        b.data for b in decode(render(print_layout(receipt, language="de"), get_profile("epson-tm-t20"))).barcodes
    ] == [receipt.barcode]
    for where in ("pdf", "screen"):
        assert receipt.barcode in renderings[where]


def test_a_return_without_receipt_says_so_everywhere_also_on_paper(
    register, cashier, manager, bakery, mailoutbox, django_capture_on_commit_callbacks
):
    refund = refund_without_receipt(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        approver=manager,
        items=[ReturnItemInput(_variant(bakery["coffee"]).pk, D(1))],
        refund_id=uuid7(),
    )
    receipt = build_receipt(refund)
    renderings = _renderings(receipt, refund, mailoutbox, django_capture_on_commit_callbacks)
    with translation.override("de"):
        assert receipt.return_text == "RÜCKGABE · ohne Beleg"
    # the printed receipt used to say nothing when the return had no original receipt
    for where, text in renderings.items():
        _assert_in_order(text, _facts(receipt), where)
        assert "RÜCKGABE · ohne Beleg" in text, where


def test_an_exchange_sale_names_the_return_whose_credit_paid_it(
    register, cashier, manager, bakery, mailoutbox, django_capture_on_commit_callbacks
):
    sale = complete_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        cart=SaleInput(
            id=uuid7(), lines=[LineInput(_variant(bakery["coffee"]).pk, D(1))], payments=[PaymentInput("cash", D(5))]
        ),
    )
    refund, new = exchange_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        approver=manager,
        refund_id=uuid7(),
        original=sale,
        lines=[RefundLineInput(sale.lines.get().pk, D(1))],
        replacement=SaleInput(
            id=uuid7(),
            lines=[LineInput(_variant(bakery["rolls"]).pk, D(8))],
            payments=[PaymentInput("cash", D("1.00"))],
        ),
    )
    receipt = build_receipt(new)
    assert receipt.payments[0].credit_from_receipt == refund.receipt_number
    with translation.override("de"):
        credit = f"Umtauschguthaben · Rückgabe {refund.receipt_number}"
        assert receipt.payments[0].label == credit
    for where, text in _renderings(receipt, new, mailoutbox, django_capture_on_commit_callbacks).items():
        _assert_in_order(text, _facts(receipt), where)
        assert credit in " ".join(text.split()), where
    with translation.override("de"):
        assert build_receipt(refund).return_text == f"RÜCKGABE · zu Beleg {sale.receipt_number}"


def test_the_fiscal_block_is_empty_until_the_fiscal_module_fills_it_then_every_rendering_shows_it(
    register, cashier, bakery
):
    sale = complete_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        cart=SaleInput(
            id=uuid7(),
            lines=[LineInput(_variant(bakery["coffee"]).pk, D(1))],
            payments=[PaymentInput("card", D("2.80"))],
        ),
    )
    receipt = build_receipt(sale)
    assert receipt.fiscal is None
    printed = decode(render(print_layout(receipt, language="de"), get_profile("generic-58")))
    assert printed.qr_codes == []
    # A filled block (what the fiscal module will store; these values are only the test's)
    signed = replace(
        receipt,
        fiscal=FiscalBlock(
            rows=(("TSE-Transaktion", "42"), ("Signaturzähler", "7"), ("Nicht zertifiziert", "")), qr_payload="V0;test"
        ),
    )
    printed = decode(render(print_layout(signed, language="de"), get_profile("generic-58")))
    assert "TSE-Transaktion: 42" in printed.text
    assert "Signaturzähler: 7" in printed.text
    assert "Nicht zertifiziert" in printed.text.splitlines()  # a label without a value has no colon
    assert [q.data for q in printed.qr_codes] == ["V0;test"]
    with translation.override("de"):
        assert "TSE-Transaktion: 42" in pdf_text(receipt_pdf(signed))
        screen = BeautifulSoup(
            render_to_string("register/receipts/receipt_body.html", {"receipt": signed}), "html.parser"
        )
    assert "Signaturzähler: 7" in screen.select_one("[data-testid=receipt-fiscal]").text
    assert screen.select_one("[data-testid=receipt-fiscal] svg") is not None


def test_a_product_named_like_markup_is_text_on_every_rendering(
    register, cashier, organization, mailoutbox, django_capture_on_commit_callbacks
):
    name = "<img src=x onerror=alert(1)>"
    product = ProductFactory(organization=organization, name=name, price="1.00", vat_class="standard")
    sale = complete_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        cart=SaleInput(
            id=uuid7(), lines=[LineInput(_variant(product).pk, D(1))], payments=[PaymentInput("card", D("1.00"))]
        ),
    )
    receipt = build_receipt(sale)
    with translation.override("de"):
        screen = render_to_string("register/receipts/receipt_body.html", {"receipt": receipt, "barcode": True})
    with django_capture_on_commit_callbacks(execute=True):
        email_receipt(actor=Actor.system(), sale=sale, to="kunde@example.org")
    for html in (screen, mailoutbox[-1].alternatives[0][0]):
        soup = BeautifulSoup(html, "html.parser")
        assert soup.select("img") == []
        assert soup.select_one("[data-testid=receipt-line] td").text == name
    for where, text in _renderings(receipt, sale, mailoutbox, django_capture_on_commit_callbacks).items():
        assert name in text, where


def test_a_loyalty_sale_shows_points_redeemed_and_earned_and_stamps_on_every_rendering(
    register, cashier, bakery, mailoutbox, django_capture_on_commit_callbacks
):
    from kasse.loyalty.booking import Asked
    from kasse.loyalty.services import adjust_points, save_program, save_stamp_card

    organization = register.organization
    save_program(
        actor=Actor.system(),
        organization=organization,
        data={"is_active": True, "points_per_euro": D(1), "point_value": D("0.01")},
    )
    save_stamp_card(
        actor=Actor.system(),
        organization=organization,
        data={"name": "Kaffeekarte", "product": bakery["coffee"], "stamps_needed": 10},
    )
    customer = CustomerFactory(organization=organization, first_name="Erika", last_name="Muster")
    adjust_points(actor=Actor.system(), customer=customer, points=500, note="Willkommen")
    sale = complete_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        cart=SaleInput(
            id=uuid7(),
            customer_id=customer.pk,
            lines=[LineInput(_variant(bakery["coffee"]).pk, D(2)), LineInput(_variant(bakery["rolls"]).pk, D(10))],
            payments=[PaymentInput("cash", D("20.00"))],
            redeem=Asked(points=300),
        ),
    )
    receipt = build_receipt(sale)
    with translation.override("de"):
        texts = [line.text for line in receipt.customer.loyalty]
    paid = int(sale.total)  # one point per whole euro paid after the 3.00 € the points took off
    assert texts == ["Punkte eingelöst: 300 (3,00 €)", f"Punkte gesammelt: {paid}", "Kaffeekarte: 2 Stempel dazu"]
    for where, text in _renderings(receipt, sale, mailoutbox, django_capture_on_commit_callbacks).items():
        _assert_in_order(text, [f"Kunde {customer.customer_number}: Erika Muster", *texts], where)
    # a return of everything takes the points and stamps back and gives the redeemed points back
    with scopes_disabled():
        lines = [RefundLineInput(line.pk, line.quantity) for line in sale.lines.all()]
    refund = refund_sale(
        actor=Actor.system(), register=register, employee=cashier, original=sale, lines=lines, refund_id=uuid7()
    )
    with translation.override("de"):
        returned = [line.text for line in build_receipt(refund).customer.loyalty]
    assert returned == [f"Punkte durch die Rückgabe: {300 - paid:+d}", "Kaffeekarte: Stempel durch die Rückgabe: -2"]
    anonymous = complete_sale(
        actor=Actor.system(),
        register=register,
        employee=cashier,
        cart=SaleInput(
            id=uuid7(),
            lines=[LineInput(_variant(bakery["coffee"]).pk, D(1))],
            payments=[PaymentInput("cash", D("5.00"))],
        ),
    )
    assert build_receipt(anonymous).customer is None
