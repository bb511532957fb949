"""Training mode (docs/fiscal.md, Integration item 6): entered and left with a manager's PIN, a cart started
in it stays a training cart, its sale is signed AVTraining, marked on every rendering of the receipt, and
kept out of cash, stock and every sum; returns of training receipts stay training."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from kasse.backoffice import overview
from kasse.bookkeeping.cash_book import cash_book
from kasse.bookkeeping.sales_export import count_lines
from kasse.core.actors import Actor
from kasse.core.models import AuditEntry
from kasse.fiscal.models import TseTransactionRecord
from kasse.fiscal.services import create_development_tse, register_tse_client
from kasse.inventory.models import StockMovement
from kasse.register.models import Cart, TrainingMode
from kasse.register.receipt_pdf import receipt_pdf
from kasse.reports import aggregates
from kasse.reports.models import DaySums
from kasse.sales.daily_sums import payments_by_day, revenue_by_day
from kasse.sales.models import Sale
from kasse.sales.printout import receipt_document
from kasse.sales.receipt import build_receipt
from kasse.sales.services.shifts import shift_figures
from kasse.sales.syncing import live_sale
from kasse.sync.backoffice.selectors import recent_sales
from kasse.testing.pdf import pdf_text
from kasse.testing.register_login import approval

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def dev_tse(organization, store, register):
    device = create_development_tse(organization=organization, actor=Actor.system(), store=store)
    register_tse_client(register=register, actor=Actor.system())
    return device


def _soup(response):
    return BeautifulSoup(response.content, "html.parser")


def _switch(till, manager, pin="2222"):
    return till.post("/register/training/", approval(manager, pin))


def _pay(till, cash="20"):
    response = till.post("/register/cart/pay/", {"payments": json.dumps([{"method": "cash", "amount": cash}])})
    assert response.status_code == 200
    with scopes_disabled():
        return Sale.objects.order_by("-receipt_number").first()


def _sell(till, *codes, cash="20"):
    for code in codes:
        till.post("/register/cart/scan/", {"code": code})
    return _pay(till, cash)


def _actions():
    with scopes_disabled():
        return list(AuditEntry.objects.filter(action__startswith="register.training").values_list("action", flat=True))


def test_a_manager_pin_enters_and_leaves_training_mode_and_both_are_audited(till, register, manager, bakery):
    # The dialog offers training mode; without a PIN, with a wrong one, or a cashier's, nothing changes
    dialog = _soup(till.get("/register/training/"))
    assert dialog.select_one("[data-testid=training-form]") is not None
    assert till.post("/register/training/").status_code == 422
    wrong = _switch(till, manager, "9999")
    assert wrong.status_code == 422
    assert "Falsche PIN" in _soup(wrong).select_one("[data-testid=training-error]").text
    with scopes_disabled():
        assert not TrainingMode.objects.exists()
    # A manager's PIN switches it on: the register page reloads and its cart carries the banner
    entered = _switch(till, manager)
    assert (entered.status_code, entered["HX-Redirect"]) == (204, "/register/")
    assert _soup(till.get("/register/cart/")).select_one("[data-testid=training-banner]") is not None
    menu = _soup(till.get("/register/shift/menu/"))
    assert menu.select_one("[data-testid=training-button]").text.strip() == "Trainingsmodus beenden"
    # With an item on the cart the register does not change mode
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    refused = _switch(till, manager)
    assert refused.status_code == 422
    assert "aktuellen" in _soup(refused).select_one("[data-testid=training-error]").text
    till.post("/register/cart/cancel/")
    # Leaving needs the PIN too; then the banner is gone; both switches are in the audit log
    assert _switch(till, manager).status_code == 204
    assert _soup(till.get("/register/cart/")).select_one("[data-testid=training-banner]") is None
    assert sorted(_actions()) == ["register.training.entered", "register.training.left"]


def test_a_training_sale_is_signed_av_training_marked_everywhere_and_in_no_sum(
    till, register, store, manager, bakery, dev_tse, mailoutbox, django_capture_on_commit_callbacks
):
    real = _sell(till, "4000000000024")  # 2.80, a real sale
    assert _switch(till, manager).status_code == 204
    training = _sell(till, "4000000000017", "4000000000017", "4000000000024")  # 0.90 + 2.80
    assert (training.is_training, real.is_training) == (True, False)
    # Signed as a training receipt (AVTraining)
    with scopes_disabled():
        finish = TseTransactionRecord.objects.get(tx_id=training.pk, operation="finish")
    assert finish.process_data == "AVTraining^2.80_0.90_0.00_0.00_0.00^3.70:Bar"
    # Marked on paper, PDF, screen, e-mail, and on the register's done screen
    with scopes_disabled():
        stored = Sale.objects.get(pk=training.pk)
        document = receipt_document(stored, language="de")
        with translation.override("en"):
            receipt = build_receipt(stored)
            english, pdf = receipt.training_text, receipt_pdf(receipt)
    assert sum(getattr(b, "text", "") == "TRAININGSBELEG" for b in document.blocks) == 2  # top and bottom
    assert english == "TRAINING RECEIPT"
    assert "TRAINING RECEIPT" in pdf_text(pdf)
    screen = _soup(till.get(f"/register/receipt/{training.pk}/", HTTP_ACCEPT_LANGUAGE="de"))
    assert screen.select_one("[data-testid=receipt-training]").text == "TRAININGSBELEG"
    assert _soup(till.get(f"/register/receipt/{real.pk}/")).select_one("[data-testid=receipt-training]") is None
    with django_capture_on_commit_callbacks(execute=True):
        sent = till.post(f"/register/receipt/{training.pk}/email/", {"email": "kunde@example.org"})
    assert sent.status_code == 200
    assert mailoutbox[-1].subject.startswith("TRAININGSBELEG: ")
    assert "TRAININGSBELEG" in mailoutbox[-1].body
    html = BeautifulSoup(mailoutbox[-1].alternatives[0][0], "html.parser")
    assert html.select_one("[data-testid=receipt-training]").text == "TRAININGSBELEG"
    # Shown and marked in the register's receipt list
    listed = _soup(till.get("/register/receipts/"))
    assert len(listed.select("[data-testid=receipt-row-training]")) == 1
    # No stock moved, no cash in the drawer, in no sum
    with scopes_disabled():
        assert not StockMovement.objects.filter(sale_line__sale=training).exists()
        assert StockMovement.objects.filter(sale_line__sale=real).exists()
        figures = shift_figures(stored.shift)
        day = timezone.localdate(stored.completed_at, store.tzinfo)
        revenue = revenue_by_day(store, day, day)
        paid = payments_by_day(store, day, day)
        today = overview.figures(overview.window([store], timezone.now()))[store.pk]
        aggregates.rebuild(store, day, day)
        day_sums = sum(DaySums.objects.filter(store=store).values_list("gross", flat=True), D(0))
        receipts, _lines = count_lines([store], day, day)
        book = cash_book(store, day, day)
        feed = recent_sales()
    assert (figures.sales_count, figures.gross_sales, figures.training_count) == (1, D("2.80"), 1)
    assert figures.expected_cash == D("100.00") + D("2.80")
    assert revenue[day] == [("sale", D("19.00"), D("2.80"))]
    assert paid[day] == [("sale", "cash", D("2.80"))]
    assert (today.receipts, today.sales_gross) == (1, D("2.80"))
    assert day_sums == D("2.80")
    assert receipts == 1
    assert book[0].cash_sales == D("2.80")
    assert [s.pk for s in feed] == [real.pk]
    assert live_sale(stored) is None
    assert live_sale(real) is not None
    # The X report says how many training receipts it left out
    report = _soup(till.get("/register/shift/x/"))
    assert report.select_one("[data-testid=row-training]") is not None


def test_a_cart_started_in_training_stays_one_and_a_return_of_it_stays_training(
    till, register, manager, bakery, dev_tse
):
    assert _switch(till, manager).status_code == 204
    till.post("/register/cart/scan/", {"code": "4000000000024"})
    assert till.post("/register/cart/park/", {"label": "Übung"}).status_code == 200
    assert _switch(till, manager).status_code == 204  # back to real selling
    with scopes_disabled():
        parked = Cart.objects.get(status="parked")
        assert parked.training
        assert not Cart.objects.get(status="active").training
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    real = _pay(till)
    assert not real.is_training
    # The parked training cart, resumed on the real register, is still a training cart
    assert till.post(f"/register/parked/{parked.pk}/resume/").status_code == 200
    training = _pay(till)
    assert (training.is_training, training.pk) == (True, parked.pk)
    # A return of the training receipt at the real register is a training return: AVTraining, no stock
    form = _soup(till.get("/register/returns/find/", {"code": str(training.receipt_number)}))
    row = form.select_one("[data-testid=return-line]")
    done = till.post(
        f"/register/returns/{training.pk}/",
        {
            "action": "confirm",
            "tender": "cash",
            "refund_id": form.select_one("input[name=refund_id]")["value"],
            row.select_one("[data-testid=return-qty]")["name"]: "1",
        },
    )
    assert done.status_code == 200
    with scopes_disabled():
        refund = Sale.objects.get(kind="refund")
        finish = TseTransactionRecord.objects.get(tx_id=refund.pk, operation="finish")
        assert not StockMovement.objects.filter(sale_line__sale=refund).exists()
    assert refund.is_training
    assert finish.process_data == "AVTraining^-2.80_0.00_0.00_0.00_0.00^-2.80:Bar"
    # In training mode a real receipt is not returned (the money would move for real)
    assert _switch(till, manager).status_code == 204
    form = _soup(till.get("/register/returns/find/", {"code": str(real.receipt_number)}))
    row = form.select_one("[data-testid=return-line]")
    refused = till.post(
        f"/register/returns/{real.pk}/",
        {
            "action": "confirm",
            "tender": "cash",
            "refund_id": form.select_one("input[name=refund_id]")["value"],
            row.select_one("[data-testid=return-qty]")["name"]: "1",
        },
    )
    assert "nicht im Trainingsmodus" in refused.content.decode()
    with scopes_disabled():
        assert Sale.objects.filter(kind="refund").count() == 1


def test_the_customer_display_shows_training_mode(till, register, manager, bakery):
    from django.template.loader import render_to_string

    from kasse.register.display import idle_context
    from kasse.register.services.cart import cart_view

    def shown(template, context):
        return BeautifulSoup(render_to_string(template, context), "html.parser").select_one(
            "[data-testid=display-training]"
        )

    with scopes_disabled():
        assert shown("register/partials/display_idle.html", idle_context(register)) is None
    assert _switch(till, manager).status_code == 204
    till.post("/register/cart/scan/", {"code": "4000000000017"})
    with scopes_disabled():
        assert shown("register/partials/display_idle.html", idle_context(register)) is not None
        assert shown("register/partials/display_cart.html", {"view": cart_view(Cart.objects.get())}) is not None
    sale = _pay(till)
    assert shown("register/partials/display_done.html", {"sale": sale, "payments": []}) is not None
