"""Property: after any sequence of sales, returns, voids, offline replays and duplicate deliveries, every report
sum equals a query over the raw receipts, to the cent, per store-local day and hour (DST days included)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.models import AuditEntry
from kasse.reports import aggregates
from kasse.reports.models import (
    DaySums,
    HourSums,
    PaymentSums,
    PendingHour,
    ProductMonthSums,
    ProductSums,
    VatSums,
    VoidSums,
)
from kasse.sales.models import Payment, Sale, SaleLine, SaleVat
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, cart_total, complete_sale
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.sales.services.shifts import open_shift
from kasse.sync.cloud.ingest import Ingestor
from kasse.testing.factories import ProductFactory, RegisterFactory
from kasse.testing.sync import node_records

BERLIN = ZoneInfo("Europe/Berlin")
# Two days around each clock change of 2026: 29 March (23 hours) and 25 October (25 hours).
STARTS = [datetime(2026, 3, 28, tzinfo=BERLIN), datetime(2026, 10, 24, tzinfo=BERLIN)]
MINUTES = 3 * 24 * 60

line = st.tuples(st.integers(0, 2), st.integers(1, 3), st.sampled_from([None, Decimal("10"), Decimal("0.05")]))
sale = st.fixed_dictionaries(
    {
        "minute": st.integers(0, MINUTES - 1),
        "lines": st.lists(line, min_size=1, max_size=3),
        "method": st.sampled_from(["cash", "card"]),
        "returned": st.booleans(),
    }
)
void = st.tuples(st.integers(0, MINUTES - 1), st.sampled_from(["line", "cart"]), st.integers(1, 5000))
step = st.one_of(
    st.tuples(st.just("cloud"), sale),
    st.tuples(st.just("void"), void),
    st.tuples(st.just("deliver"), st.lists(st.integers(0, 30), max_size=6), st.booleans()),
    st.tuples(st.just("refresh")),
)


def _cart(register, products, spec) -> SaleInput:
    lines = []
    for index, quantity, discount in spec["lines"]:
        variant = products[index].variants.get()
        percent = discount if discount is not None and discount > 1 else None
        amount = discount if discount is not None and discount < 1 else None
        lines.append(LineInput(variant.pk, Decimal(quantity), discount_percent=percent, discount_amount=amount))
    cart = SaleInput(id=uuid7(), lines=lines, payments=[])
    cart.payments.append(PaymentInput(spec["method"], cart_total(register, cart)))
    return cart


def _sell(register, employee, manager, products, spec, start) -> None:
    when = start + timedelta(minutes=spec["minute"])
    with mock.patch("django.utils.timezone.now", return_value=when):
        sold = complete_sale(
            actor=Actor.for_employee(employee),
            register=register,
            employee=employee,
            cart=_cart(register, products, spec),
            approver=manager,
        )
    if spec["returned"]:
        with mock.patch("django.utils.timezone.now", return_value=when + timedelta(minutes=47)):
            first = sold.lines.order_by("position").first()
            refund_sale(
                actor=Actor.for_employee(manager),
                register=register,
                employee=manager,
                original=sold,
                lines=[RefundLineInput(first.pk, Decimal(1))],
                refund_id=uuid7(),
            )


def _void(store, start, minute, kind, cents) -> None:
    """A voided line or a cancelled cart, as its audit entry arrives (from a register or a node)."""
    action, data = (
        ("register.cart.line_voided", {"sku": "X", "quantity": str(Decimal(cents) / 1000)})
        if kind == "line"
        else ("register.cart.cancelled", {"lines": 2, "total": str(Decimal(cents) / 100)})
    )
    AuditEntry.objects.create(
        organization=store.organization,
        store=store,
        action=action,
        created_at=start + timedelta(minutes=minute),
        actor_label="employee:Clara",
        data=data,
    )


def _expected(store) -> dict[str, dict]:
    """The sums by the definition, from the raw rows in Python (no shared code with the aggregation)."""
    zero = Decimal("0")
    hours: dict = defaultdict(lambda: [0, zero, zero, zero, zero])
    products: dict = defaultdict(lambda: [zero, zero, zero, 0])
    vats: dict = defaultdict(lambda: [zero, zero, zero])
    payments: dict = defaultdict(lambda: [zero, 0])
    local = {}
    for s in Sale.objects.filter(store=store):
        at = s.completed_at.astimezone(BERLIN)
        local[s.pk] = (at.date(), s.kind)
        entry = hours[(at.date(), at.hour, s.register_id, s.employee_id, s.kind)]
        entry[0] += 1
        entry[1] += s.total
    for v in SaleVat.objects.filter(sale__store=store).select_related("sale"):
        at = v.sale.completed_at.astimezone(BERLIN)
        hours[(at.date(), at.hour, v.sale.register_id, v.sale.employee_id, v.sale.kind)][2] += v.net
        entry = vats[(*local[v.sale_id], v.vat_rate)]
        entry[0] += v.gross
        entry[1] += v.net
        entry[2] += v.vat
    for ln in SaleLine.objects.filter(sale__store=store).select_related("sale", "variant"):
        at = ln.sale.completed_at.astimezone(BERLIN)
        key = (at.date(), at.hour, ln.sale.register_id, ln.sale.employee_id, ln.sale.kind)
        hours[key][3] += ln.quantity if ln.unit == "piece" else 1
        hours[key][4] += ln.line_discount + ln.order_discount_share
        entry = products[(*local[ln.sale_id], ln.variant_id, ln.variant.product_id, ln.vat_rate)]
        entry[0] += ln.quantity
        entry[1] += ln.total
        entry[2] += ln.line_discount + ln.order_discount_share
        entry[3] += 1
    for p in Payment.objects.filter(sale__store=store):
        entry = payments[(*local[p.sale_id], p.method)]
        entry[0] += p.amount
        entry[1] += 1
    voids: dict = defaultdict(lambda: [0, zero, zero])
    for entry in AuditEntry.objects.filter(store=store, action__startswith="register.cart."):
        if entry.action not in {"register.cart.line_voided", "register.cart.cancelled"}:
            continue
        line = entry.action.endswith("line_voided")
        v = voids[(entry.created_at.astimezone(BERLIN).date(), "line" if line else "cart")]
        v[0] += 1
        v[1] += Decimal(entry.data["quantity"]) if line else zero
        v[2] += zero if line else Decimal(entry.data["total"])
    days: dict = defaultdict(lambda: [0, zero, zero, zero, zero])
    for (day, _hour, *rest), values in hours.items():
        entry = days[(day, *rest)]
        for i, value in enumerate(values):
            entry[i] += value
    months: dict = defaultdict(lambda: [zero, zero, zero, 0])
    for (day, *rest), values in products.items():
        month = months[(day.replace(day=1), *rest)]
        for i, value in enumerate(values):
            month[i] += value
    return {
        "hours": {k: tuple(v) for k, v in hours.items()},
        "days": {k: tuple(v) for k, v in days.items()},
        "products": {k: tuple(v) for k, v in products.items()},
        "months": {k: tuple(v) for k, v in months.items()},
        "vats": {k: tuple(v) for k, v in vats.items()},
        "payments": {k: tuple(v) for k, v in payments.items()},
        "voids": {k: tuple(v) for k, v in voids.items()},
    }


def _kept(store) -> dict[str, dict]:
    def product_rows(model):
        return {
            (r.day, r.kind, r.variant_id, r.product_id, r.vat_rate): (r.quantity, r.gross, r.discount, r.lines)
            for r in model.objects.filter(store=store)
        }

    return {
        "hours": {
            (r.day, r.hour, r.register_id, r.employee_id, r.kind): (r.receipts, r.gross, r.net, r.items, r.discount)
            for r in HourSums.objects.filter(store=store)
        },
        "days": {
            (r.day, r.register_id, r.employee_id, r.kind): (r.receipts, r.gross, r.net, r.items, r.discount)
            for r in DaySums.objects.filter(store=store)
        },
        "products": product_rows(ProductSums),
        "months": product_rows(ProductMonthSums),
        "vats": {(r.day, r.kind, r.vat_rate): (r.gross, r.net, r.vat) for r in VatSums.objects.filter(store=store)},
        "payments": {
            (r.day, r.kind, r.method): (r.amount, r.payments) for r in PaymentSums.objects.filter(store=store)
        },
        "voids": {(r.day, r.kind): (r.count, r.quantity, r.amount) for r in VoidSums.objects.filter(store=store)},
    }


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.sampled_from(STARTS),
    node_sales=st.lists(sale, max_size=5),
    steps=st.lists(step, max_size=10),
)
@pytest.mark.slow
def test_every_sum_equals_the_raw_receipts_after_any_sequence(
    organization, store, register, cashier, manager, node, start, node_sales, steps
):
    with transaction.atomic(), scope(organization=organization):
        products = [
            ProductFactory(organization=organization, price="2.80", vat_class="standard"),
            ProductFactory(organization=organization, price="0.45", vat_class="reduced"),
            ProductFactory(organization=organization, price="12.99", vat_class="standard"),
        ]
        open_shift(actor=Actor.for_employee(cashier), register=register, employee=cashier, count={})
        offline = RegisterFactory(store=store, organization=organization, number=2)
        open_shift(actor=Actor.for_employee(cashier), register=offline, employee=cashier, count={})

        # The node sells through an outage; its records reach the cloud in pieces, late, twice, reordered.
        def outage() -> None:
            for spec in node_sales:
                _sell(offline, cashier, manager, products, spec, start)

        held = node_records(outage) if node_sales else []
        for kind, *args in steps:
            if kind == "cloud":
                _sell(register, cashier, manager, products, args[0], start)
            elif kind == "void":
                _void(store, start, *args[0])
            elif kind == "refresh":
                aggregates.refresh(organization.pk)
            elif held:
                picked = [held[i % len(held)] for i in args[0]]
                Ingestor(node, picked + picked if args[1] else picked).run()
        results = Ingestor(node, list(reversed(held)) + held).run()
        assert {r["status"] for r in results.values()} <= {"ok", "duplicate"}
        assert Sale.objects.filter(register=offline).count() == len(node_sales) + sum(s["returned"] for s in node_sales)

        aggregates.refresh(organization.pk)
        assert not PendingHour.objects.exists()
        assert _kept(store) == _expected(store)
        transaction.set_rollback(True)
