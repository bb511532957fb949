"""The cart shown, the sale stored and the receipt agree to the cent, for random carts and their returns.

Carts are built with the register's own services (as the cashier's taps do): lines of pieces and
weights at 19 %, 7 %, the zero rate and exempt, a store price, price overrides, line discounts in
percent and in euros, a discount on the whole sale; then part of the sale comes back.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.db import transaction
from django.template.loader import render_to_string
from django_scopes import scope, scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasse.catalog.models import StorePrice, Variant
from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.money import round_money
from kasse.register.returns_views import return_credit
from kasse.register.services import cart as carts
from kasse.sales.models import Sale
from kasse.sales.receipt import build_receipt
from kasse.sales.services.checkout import PaymentInput
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.sales.services.shifts import open_shift
from kasse.testing.factories import ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal
GOODS = ["rolls", "coffee", "cheese", "book", "stamps", "shirt"]


@pytest.fixture
def goods(organization, store):
    made = {
        "rolls": ProductFactory(organization=organization, name="Brötchen", price="0.45", vat_class="reduced"),
        "coffee": ProductFactory(organization=organization, name="Kaffee", price="2.80", vat_class="standard"),
        "cheese": ProductFactory(
            organization=organization, name="Bergkäse", price="24.90", vat_class="reduced", unit="kg", is_measured=True
        ),
        "book": ProductFactory(organization=organization, name="Zeitung", price="3.30", vat_class="zero"),
        "stamps": ProductFactory(organization=organization, name="Briefmarke", price="0.95", vat_class="exempt"),
        "shirt": ProductFactory(
            organization=organization, name="Shirt", price="15.00", vat_class="standard", variant__price="19.99"
        ),
    }
    with scopes_disabled():
        StorePrice.objects.create(
            organization=organization, store=store, variant=made["coffee"].variants.get(), price=D("3.15")
        )
        return {key: Variant.objects.select_related("product").get(product=product) for key, product in made.items()}


@pytest.fixture
def open_register(register, manager):
    open_shift(actor=Actor.system(), register=register, employee=manager, count={"50": 20})
    return register


lines = st.lists(
    st.tuples(
        st.sampled_from(GOODS),
        st.integers(min_value=1, max_value=2500),  # pieces 1..5 (taken modulo), or grams
        st.one_of(st.none(), st.integers(min_value=0, max_value=5000)),  # a price override in cents
        st.sampled_from(["none", "percent", "amount"]),
        st.integers(min_value=0, max_value=10000),  # the discount: hundredths of a percent, or of the line
    ),
    min_size=1,
    max_size=8,
)
order = st.tuples(st.sampled_from(["none", "percent", "amount"]), st.integers(min_value=0, max_value=10000))


def _shown(view):
    return (
        [
            (
                ln.line.variant_id,
                ln.priced.quantity,
                ln.unit_price,
                ln.discount,
                ln.priced.order_discount_share,
                ln.total,
                ln.priced.vat_code.rate,
                ln.priced.vat_code.dsfinvk_id,
            )
            for ln in view.lines
        ],
        (view.totals.subtotal, view.totals.order_discount, view.total),
        [(r.rate, r.vat_code.dsfinvk_id, r.gross, r.net, r.vat) for r in view.totals.vat_rows],
    )


def _stored(sale: Sale):
    return (
        [
            (
                ln.variant_id,
                ln.quantity,
                ln.unit_price,
                ln.line_discount,
                ln.order_discount_share,
                ln.total,
                ln.vat_rate,
                ln.vat_dsfinvk_id,
            )
            for ln in sale.lines.all()
        ],
        (sale.subtotal, sale.order_discount, sale.total),
        [(r.vat_rate, r.vat_dsfinvk_id, r.gross, r.net, r.vat) for r in sale.vat_rows.all()],
    )


def _on_receipt(sale: Sale):
    receipt = build_receipt(sale)
    return (
        [line.amount for line in receipt.lines],
        receipt.total,
        [(r.rate, r.letter, r.gross, r.net, r.vat) for r in receipt.vat_rows],
    )


def _build_cart(cart, manager, goods, specs, order_spec):
    for key, amount, price, kind, value in specs:
        variant = goods[key]
        quantity = D(amount) / 1000 if key == "cheese" else D(amount % 5 + 1)
        line = carts.add_variant(cart=cart, variant=variant, quantity=quantity)
        if price is not None:
            line = carts.override_price(line=line, employee=manager, price=D(price) / 100)
        if kind == "percent":
            carts.set_line_discount(line=line, employee=manager, percent=D(value) / 100)
        elif kind == "amount":
            base = next(v.priced.amount for v in carts.cart_view(cart).lines if v.line.pk == line.pk)
            carts.set_line_discount(line=line, employee=manager, amount=round_money(base * value / 10000))
    kind, value = order_spec
    if kind == "percent":
        carts.set_order_discount(cart=cart, employee=manager, percent=D(value) / 100)
    elif kind == "amount":
        subtotal = carts.cart_totals(cart).subtotal
        carts.set_order_discount(cart=cart, employee=manager, amount=round_money(subtotal * value / 10000))


# Per line sold: whether it comes back, and how many pieces of it (modulo what was sold; weights whole).
returns = st.lists(st.tuples(st.booleans(), st.integers(min_value=1, max_value=100)), min_size=8, max_size=8)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=lines, order_spec=order, back_spec=returns)
def test_cart_sale_receipt_and_return_agree_to_the_cent(
    organization, open_register, manager, goods, specs, order_spec, back_spec
):
    with transaction.atomic():  # each example starts from the same database
        _sell_and_return(organization, open_register, manager, goods, specs, order_spec, back_spec)
        transaction.set_rollback(True)


def _sell_and_return(organization, open_register, manager, goods, specs, order_spec, back_spec):
    actor = Actor.for_employee(manager)
    with scope(organization=organization):
        cart = carts.active_cart(open_register, manager)
        _build_cart(cart, manager, goods, specs, order_spec)
        view = carts.cart_view(cart)
        shown = _shown(view)
        display = BeautifulSoup(render_to_string("register/partials/display_cart.html", {"view": view}), "html.parser")
        assert D(display.select_one("[data-testid=display-cart]")["data-total"]) == view.total

        sale = carts.checkout_cart(
            actor=actor, cart=cart, employee=manager, payments=[PaymentInput("cash", view.total)] if view.total else []
        )

        assert _stored(sale) == shown
        assert _on_receipt(sale) == ([ln.total for ln in view.lines], view.total, shown[2])
        assert sum((p.amount for p in sale.payments.all()), D(0)) == view.total

        sold = list(sale.lines.all())
        back = [
            (
                line,
                D(count % int(line.quantity) + 1)
                if line.quantity == line.quantity.to_integral_value()
                else line.quantity,
            )
            for line, (chosen, count) in zip(sold, back_spec, strict=False)
            if chosen
        ]
        if not back:
            return
        credit = return_credit(back, [])  # what the return form shows
        refund = refund_sale(
            actor=actor,
            register=open_register,
            employee=manager,
            original=sale,
            lines=[RefundLineInput(line.pk, quantity) for line, quantity in back],
            refund_id=uuid7(),
            tender="cash",
        )
        assert refund.total == -credit
        returned = [(ln.total, ln.vat_rate, ln.vat_dsfinvk_id) for ln in refund.lines.all()]
        assert [total for total, _rate, _id in returned] == [
            -(line.total if quantity == line.quantity else round_money(line.total * quantity / line.quantity))
            for line, quantity in back
        ]
        receipt_lines, receipt_total, receipt_vat = _on_receipt(refund)
        assert receipt_total == refund.total == sum((r[2] for r in receipt_vat), D(0))
        assert all(net + vat == gross for _rate, _id, gross, net, vat in receipt_vat)
