"""Card money going back through the terminal when goods are returned: a reversal (06 30) of the whole
payment the same day and batch, else a refund (06 31) of the card share; the return is stored only once the
terminal approved, and never paid out twice (docs/payments.md, "Refunds and reversals")."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.hardware.terminals.zvt import commands
from kasse.hardware.virtual.zvt_terminal import Fault, Step
from kasse.payments.models import CardPayment, CardPaymentKind, CardPaymentStatus
from kasse.payments.services import start_card_payment
from kasse.payments.settlement import start_end_of_day
from kasse.sales.models import Sale
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db
D = Decimal
COFFEE = "4000000000024"  # 2.80
ROLL = "4000000000017"  # 0.45


PRICES = {COFFEE: D("2.80"), ROLL: D("0.45")}


def pay_by_card(till, register, worker, *codes) -> Sale:
    for code in codes:
        till.post("/register/cart/scan/", {"code": code})
    total = sum((PRICES[code] for code in codes), D(0))
    payment = start_card_payment(actor=Actor.system(), register=register, amount=total)
    worker.run()
    response = till.post(
        "/register/cart/pay/",
        {"payments": json.dumps([{"method": "card", "amount": str(total), "reference": f"zvt:{payment.pk}"}])},
    )
    assert response.status_code == 200
    with scopes_disabled():
        return Sale.objects.get(pk=CardPayment.objects.get(pk=payment.pk).sale_id)


def _form(till, sale):
    form = till.get(f"/register/returns/{sale.pk}/")
    page = soup_of(form)
    refund_id = page.select_one("input[name=refund_id]")["value"]
    fields = {
        tr["data-sku"]: tr.select_one("[data-testid=return-qty]")["name"]
        for tr in page.select("[data-testid=return-line]")
    }
    return refund_id, fields


def _confirm(till, sale, refund_id, quantities, tender="original"):
    return till.post(
        f"/register/returns/{sale.pk}/",
        {"action": "confirm", "tender": tender, "refund_id": refund_id, **quantities},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _all_of(fields):
    return {name: "1" for name in fields.values()}


def test_a_return_the_same_day_reverses_the_card_payment_and_is_stored_once_approved(
    till, register, bakery, sim, worker
):
    sale = pay_by_card(till, register, worker, COFFEE)
    refund_id, fields = _form(till, sale)
    # When the cashier confirms the return "as paid"
    step = _confirm(till, sale, refund_id, _all_of(fields))
    # Then the terminal is asked first, and nothing is stored yet
    card = soup_of(step).select_one("[data-testid=card-refund]")
    assert (card["data-status"], card["data-kind"]) == ("pending", "reversal")
    with scopes_disabled():
        assert not Sale.objects.filter(kind="refund").exists()
    # When the terminal reverses the payment (06 30 with the payment's receipt number)
    worker.run()
    assert sim.count(commands.REVERSAL) == 1
    assert sim.journal.bookings[0].reversed
    with scopes_disabled():
        reversal = CardPayment.objects.get(kind=CardPaymentKind.REVERSAL)
    assert (reversal.status, reversal.original_receipt_number) == (CardPaymentStatus.APPROVED, 1)
    status = till.get(f"/register/returns/{sale.pk}/card/{reversal.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    approved = soup_of(status).select_one("[data-testid=card-refund]")
    assert approved["data-status"] == "approved"
    assert approved.select_one("[hx-trigger=load]")["hx-post"] == f"/register/returns/{sale.pk}/"
    # Then the return is stored with the card tender naming the reversal, bound to it
    done = _confirm(till, sale, refund_id, _all_of(fields))
    assert done.status_code == 200
    with scopes_disabled():
        refund = Sale.objects.get(kind="refund")
        assert [(p.method, p.amount, p.reference) for p in refund.payments.all()] == [
            ("card", D("-2.80"), f"zvt:{reversal.pk}")
        ]
        assert CardPayment.objects.get(pk=reversal.pk).sale_id == refund.pk
    # And a second confirm stores nothing new and sends nothing
    _confirm(till, sale, refund_id, _all_of(fields))
    with scopes_disabled():
        assert Sale.objects.filter(kind="refund").count() == 1
    assert sim.count(commands.REVERSAL) == 1


def test_a_partial_return_refunds_the_card_share(till, register, bakery, sim, worker):
    sale = pay_by_card(till, register, worker, COFFEE, ROLL)
    refund_id, fields = _form(till, sale)
    step = _confirm(till, sale, refund_id, {fields[next(iter(fields))]: "1"})
    assert soup_of(step).select_one("[data-testid=card-refund]")["data-kind"] == "refund"
    worker.run()
    assert (sim.count(commands.REFUND), sim.count(commands.REVERSAL)) == (1, 0)
    assert _confirm(till, sale, refund_id, {fields[next(iter(fields))]: "1"}).status_code == 200
    with scopes_disabled():
        refund = Sale.objects.get(kind="refund")
        payment = CardPayment.objects.get(kind=CardPaymentKind.REFUND)
    assert payment.amount == -refund.total
    assert sim.journal.bookings[-1].kind == "refund"


def test_after_the_terminals_end_of_day_a_return_is_a_refund(till, register, bakery, sim, worker):
    sale = pay_by_card(till, register, worker, COFFEE)
    start_end_of_day(actor=Actor.system(), register=register)
    worker.run()
    refund_id, fields = _form(till, sale)
    step = _confirm(till, sale, refund_id, _all_of(fields))
    assert soup_of(step).select_one("[data-testid=card-refund]")["data-kind"] == "refund"
    worker.run()
    assert (sim.count(commands.REFUND), sim.count(commands.REVERSAL)) == (1, 0)


def test_a_refund_the_terminal_refused_stores_no_return_and_cash_may_be_chosen(till, register, bakery, sim, worker):
    sale = pay_by_card(till, register, worker, COFFEE)
    sim.scenario.fault, sim.scenario.fault_step, sim.scenario.fault_command = Fault.NAK, Step.ACK, commands.REVERSAL
    refund_id, fields = _form(till, sale)
    _confirm(till, sale, refund_id, _all_of(fields))
    worker.run()
    with scopes_disabled():
        reversal = CardPayment.objects.get(kind=CardPaymentKind.REVERSAL)
    assert reversal.status == CardPaymentStatus.FAILED
    status = soup_of(till.get(f"/register/returns/{sale.pk}/card/{reversal.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert status.select_one("[data-testid=card-refund]")["data-status"] == "failed"
    assert status.select_one("[data-testid=card-refund-back]") is not None
    with scopes_disabled():
        assert not Sale.objects.filter(kind="refund").exists()
    cash = _confirm(till, sale, refund_id, _all_of(fields), tender="cash")
    assert cash.status_code == 200
    with scopes_disabled():
        refund = Sale.objects.get(kind="refund")
        assert [(p.method, p.amount) for p in refund.payments.all()] == [("cash", D("-2.80"))]


def test_a_reversal_the_terminal_declines_is_refunded_instead_when_the_cashier_confirms_again(
    till, register, bakery, sim, worker
):
    # Given a terminal that reverses only its last transaction, and two card sales
    sim.scenario.reverse_last_only = True
    first = pay_by_card(till, register, worker, COFFEE)
    pay_by_card(till, register, worker, ROLL)
    # When the first sale comes back whole the same day: a reversal (06 30) of its receipt number
    refund_id, fields = _form(till, first)
    step = _confirm(till, first, refund_id, _all_of(fields))
    assert soup_of(step).select_one("[data-testid=card-refund]")["data-kind"] == "reversal"
    worker.run()
    # Then the terminal declines it (B5: reversal not possible), nothing is stored, nothing went back
    with scopes_disabled():
        reversal = CardPayment.objects.get(kind=CardPaymentKind.REVERSAL)
        assert not Sale.objects.filter(kind="refund").exists()
    assert (reversal.status, reversal.result_code) == (CardPaymentStatus.DECLINED, 0xB5)
    assert not sim.journal.bookings[0].reversed
    # When the cashier confirms again: a refund (06 31) of the amount, with the customer's card
    again = _confirm(till, first, refund_id, _all_of(fields))
    assert soup_of(again).select_one("[data-testid=card-refund]")["data-kind"] == "refund"
    worker.run()
    assert (sim.count(commands.REVERSAL), sim.count(commands.REFUND)) == (1, 1)
    # Then the return is stored once, naming the refund
    assert _confirm(till, first, refund_id, _all_of(fields)).status_code == 200
    with scopes_disabled():
        refund = CardPayment.objects.get(kind=CardPaymentKind.REFUND)
        returned = Sale.objects.get(kind="refund")
        assert [(p.method, p.amount, p.reference) for p in returned.payments.all()] == [
            ("card", D("-2.80"), f"zvt:{refund.pk}")
        ]
    assert (refund.status, refund.amount) == (CardPaymentStatus.APPROVED, D("2.80"))


def test_an_unclear_refund_blocks_the_return_in_any_tender(till, register, bakery, sim, worker):
    sale = pay_by_card(till, register, worker, COFFEE)
    refund_id, fields = _form(till, sale)
    _confirm(till, sale, refund_id, _all_of(fields))
    with scopes_disabled():
        CardPayment.objects.filter(kind=CardPaymentKind.REVERSAL).update(status=CardPaymentStatus.UNKNOWN)
    for tender in ("original", "cash"):
        response = _confirm(till, sale, refund_id, _all_of(fields), tender=tender)
        page = soup_of(response)
        assert (
            page.select_one("[data-testid=card-refund-unknown]")
            or "still unclear" in page.select_one("[data-testid=return-error]").text
        )
    with scopes_disabled():
        assert not Sale.objects.filter(kind="refund").exists()
        assert CardPayment.objects.filter(kind=CardPaymentKind.REVERSAL).count() == 1
    assert sim.count(commands.REVERSAL) == 0


def test_an_approved_card_refund_cannot_be_paid_out_again_in_cash(till, register, bakery, sim, worker):
    sale = pay_by_card(till, register, worker, COFFEE)
    refund_id, fields = _form(till, sale)
    _confirm(till, sale, refund_id, _all_of(fields))
    worker.run()
    cash = _confirm(till, sale, refund_id, _all_of(fields), tender="cash")
    assert "already gave this money back" in soup_of(cash).select_one("[data-testid=return-error]").text
    with scopes_disabled():
        assert not Sale.objects.filter(kind="refund").exists()


def test_a_return_the_terminal_did_not_approve_is_not_stored(till, register, bakery, sim, worker):
    from kasse.register.services.card_returns import complete_return
    from kasse.sales.services.errors import SaleError
    from kasse.sales.services.refunds import RefundLineInput

    sale = pay_by_card(till, register, worker, COFFEE)
    with scopes_disabled():
        line = sale.lines.get()
        cashier = sale.employee
    import uuid

    with pytest.raises(SaleError, match="vom Terminal nicht genehmigt"), scopes_disabled():
        complete_return(
            actor=Actor.system(),
            register=register,
            employee=cashier,
            original=sale,
            lines=[RefundLineInput(line.pk, D(1))],
            refund_id=uuid.uuid4(),
            as_paid=True,
            card_amount=D("2.80"),
            training=False,
        )
    with scopes_disabled():
        assert not Sale.objects.filter(kind="refund").exists()
