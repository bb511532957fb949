"""The card terminal's end-of-day at the closing of a shift: 06 50 sent once, the terminal's totals reconciled
against kasse's card payments, the difference on the Z report (register page, printed and PDF, back office)
(docs/payments.md, "End-of-day")."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.hardware.terminals.zvt import commands
from kasse.hardware.virtual import zvt_journal
from kasse.hardware.virtual.zvt_terminal import Fault, Step
from kasse.payments.models import CardPayment, CardSettlement, CardSettlementStatus
from kasse.payments.refunds import start_card_refund
from kasse.payments.services import start_card_payment
from kasse.payments.settlement import kasse_totals, start_end_of_day
from kasse.sales.models import Shift
from kasse.testing.pdf import pdf_text
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db
D = Decimal


def pay(register, worker, amount: str, sale_id=None) -> CardPayment:
    payment = start_card_payment(actor=Actor.system(), register=register, amount=D(amount))
    worker.run()
    if sale_id is not None:
        with scopes_disabled():
            CardPayment.objects.filter(pk=payment.pk).update(sale_id=sale_id)
    return payment


def sell_by_card(till, register, worker):
    till.post("/register/cart/scan/", {"code": "4000000000024"})  # coffee 2.80
    payment = pay(register, worker, "2.80")
    response = till.post(
        "/register/cart/pay/",
        {"payments": json.dumps([{"method": "card", "amount": "2.80", "reference": f"zvt:{payment.pk}"}])},
    )
    assert response.status_code == 200


def close(till, **headers):
    review = till.post("/register/shift/close/", {"step": "review", "d-20": "5"})
    form = soup_of(review).select_one("[data-testid=close-review-panel] form")
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    return till.post("/register/shift/close/", {**data, "step": "confirm"}, HTTP_ACCEPT_LANGUAGE="en", **headers)


def _shift(register) -> Shift:
    with scopes_disabled():
        return Shift.objects.get(register=register)


def test_closing_a_shift_runs_the_end_of_day_and_the_z_report_reconciles(till, register, bakery, sim, worker):
    sell_by_card(till, register, worker)
    # When the cashier confirms the closing, the terminal closes its day first; the shift is still open
    waiting = close(till)
    panel = soup_of(waiting).select_one("[data-testid=end-of-day]")
    assert panel["data-status"] == "pending"
    assert _shift(register).status == "open"
    worker.run()
    assert sim.count(commands.END_OF_DAY) == 1
    with scopes_disabled():
        settlement = CardSettlement.objects.get()
    done = soup_of(till.get(f"/register/shift/end-of-day/{settlement.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert done.select_one("[data-testid=end-of-day]")["data-status"] == "done"
    assert done.select_one("[hx-trigger=load]")["hx-post"] == "/register/shift/close/"
    # Then the page closes the shift (htmx) and goes to the Z report
    closed = close(till, HTTP_HX_REQUEST="true")
    shift = _shift(register)
    assert closed.status_code == 204
    assert closed["HX-Redirect"] == f"/register/shift/{shift.pk}/z/"
    assert shift.status == "closed"
    card = shift.card_reconciliation
    assert (card["status"], card["terminal_amount"], card["kasse_amount"], card["difference"]) == (
        "done",
        "2.80",
        "2.80",
        "0.00",
    )
    assert (card["terminal_count"], card["kasse_count"], card["count_difference"]) == (1, 1, 0)
    assert card["families"] == [{"family": "girocard", "count": 1, "amount": "2.80"}]
    # And the Z report on the register shows it
    z = soup_of(till.get(f"/register/shift/{shift.pk}/z/", HTTP_ACCEPT_LANGUAGE="en"))
    section = z.select_one("[data-testid=card-reconciliation]")
    assert section.select_one("[data-testid=card-difference]")["data-matches"] == "true"
    assert "2.80" in section.select_one("[data-testid=card-terminal-total]").text
    assert sim.count(commands.END_OF_DAY) == 1  # the second confirm sent nothing


def test_a_difference_shows_on_the_printed_report_its_pdf_and_in_the_back_office(
    till, register, bakery, sim, worker, owner_client
):
    sell_by_card(till, register, worker)
    sim.journal.book("payment", 500, zvt_journal.Card())  # booked at the terminal, unknown to kasse
    close(till)
    worker.run()
    close(till)
    shift = _shift(register)
    assert shift.card_reconciliation["difference"] == "5.00"
    assert shift.card_reconciliation["count_difference"] == 1
    from kasse.printing.documents import shift_report_document

    with scopes_disabled():
        printed = "\n".join(str(b) for b in shift_report_document(shift, language="en").blocks)
    assert "Card terminal end-of-day" in printed
    assert "7.80" in printed
    assert "5.00" in printed
    pdf = pdf_text(owner_client.get(f"/sales/z-reports/{shift.pk}/pdf/").content)
    assert "5,00" in pdf or "5.00" in pdf
    page = soup_of(owner_client.get(f"/sales/z-reports/{shift.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    difference = page.select_one("[data-testid=card-difference]")
    assert difference["data-matches"] == "false"
    assert "5.00" in difference.text


def test_an_end_of_day_whose_link_broke_closes_with_the_totals_unknown(till, register, bakery, sim, worker):
    sell_by_card(till, register, worker)
    sim.scenario.fault, sim.scenario.fault_step, sim.scenario.fault_command = (
        Fault.DROP,
        Step.STATUS,
        commands.END_OF_DAY,
    )
    close(till)
    worker.run()
    close(till)
    shift = _shift(register)
    assert shift.status == "closed"
    card = shift.card_reconciliation
    assert (card["status"], card["terminal_amount"], card["kasse_amount"], card["difference"]) == (
        "unknown",
        None,
        "2.80",
        None,
    )
    z = soup_of(till.get(f"/register/shift/{shift.pk}/z/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Summen am Terminal ausdrucken" in z.select_one("[data-testid=card-reconciliation-message]").text
    assert sim.count(commands.END_OF_DAY) == 1  # never sent again


def test_the_cashier_may_close_without_waiting_for_the_terminal(till, register, bakery, sim, card_terminal):
    close(till)  # no store node drives the terminal: the end-of-day stays pending
    review = till.post("/register/shift/close/", {"step": "review", "d-20": "5"})
    form = soup_of(review).select_one("[data-testid=close-review-panel] form")
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    till.post("/register/shift/close/", {**data, "step": "confirm", "without_terminal": "1"})
    shift = _shift(register)
    assert shift.status == "closed"
    assert shift.card_reconciliation["status"] == "pending"
    assert shift.card_reconciliation["terminal_amount"] is None


def test_kasse_counts_like_the_terminal_reversed_payments_not_at_all_refunds_subtracted(register, sim, worker):
    first = pay(register, worker, "7.50", sale_id=uuid.uuid4())
    pay(register, worker, "2.00", sale_id=uuid.uuid4())
    with scopes_disabled():
        first_sale = CardPayment.objects.get(pk=first.pk).sale_id
    start_card_refund(
        actor=Actor.system(), register=register, refund_id=uuid.uuid4(), original_sale_id=first_sale, amount=D("7.50")
    )
    worker.run()  # a reversal
    start_card_refund(
        actor=Actor.system(), register=register, refund_id=uuid.uuid4(), original_sale_id=first_sale, amount=D("1.00")
    )
    worker.run()  # a refund
    settlement = start_end_of_day(actor=Actor.system(), register=register)
    worker.run()
    with scopes_disabled():
        settlement = CardSettlement.objects.get(pk=settlement.pk)
        assert (settlement.status, settlement.terminal_count, settlement.terminal_amount) == (
            CardSettlementStatus.DONE,
            1,
            D("1.00"),
        )
        assert (settlement.kasse_count, settlement.kasse_amount, settlement.difference) == (1, D("1.00"), D("0.00"))
        # the next day starts from zero on both sides
        pay(register, worker, "3.00")
        later = start_end_of_day(actor=Actor.system(), register=register)
        worker.run()
        later = CardSettlement.objects.get(pk=later.pk)
        assert (later.terminal_amount, later.kasse_amount) == (D("3.00"), D("3.00"))
        assert kasse_totals(later).count == 1
