"""``kasse seed --sales N``: consistent sales over two years and three stores, through COPY (PostgreSQL)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, F, Max, Min, Sum
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.money import vat_from_gross
from kasse.demo.sales import SalesSeedRefused, seed_sales
from kasse.sales.models import Payment, RegisterCounter, Sale, SaleLine, SaleVat, Shift
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.tenancy.models import Store
from kasse.tenancy.permissions import Role
from kasse.testing.factories import CustomerFactory, EmployeeFactory, ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgres://…): sales are seeded with COPY")


@pytest.fixture
def shop(organization, store, register):
    EmployeeFactory(organization=organization, role=Role.OWNER, display_name="Inhaberin")
    EmployeeFactory(organization=organization, role=(store, Role.CASHIER), display_name="Clara\tmit Tab")
    ProductFactory(organization=organization, name="Brot", price="3.50", vat_class="reduced")
    ProductFactory(organization=organization, name="Wein", price="11.90", vat_class="standard")
    ProductFactory(organization=organization, name="Zeitung", price="2.20", vat_class="zero")
    for _ in range(5):
        CustomerFactory(organization=organization)
    return organization


def test_seeded_sales_are_consistent_receipts(shop):
    with scopes_disabled():
        result = seed_sales(shop, 3000, seed=7)
    assert result.sales == 3000
    assert result.stores == 3
    with scopes_disabled():
        assert Store.objects.filter(organization=shop).count() == 3
        sales = Sale.objects.filter(organization=shop)
        assert sales.filter(kind="sale").count() == 3000
        assert sales.filter(kind="refund").count() == result.returns
        assert result.returns > 0
        # over two years, in every store, up to now
        span = sales.aggregate(first=Min("completed_at"), last=Max("completed_at"))
        assert span["last"] - span["first"] > datetime.timedelta(days=700)
        assert sales.values("store_id").distinct().count() == 3
        # each receipt: lines, VAT rows per rate and payments add up to its total; gross = net + VAT
        line_sums = dict(SaleLine.objects.values_list("sale_id").annotate(s=Sum("total")))
        vat_sums = dict(SaleVat.objects.values_list("sale_id").annotate(s=Sum("gross")))
        paid = dict(Payment.objects.values_list("sale_id").annotate(s=Sum("amount")))
        for sale_id, total in sales.values_list("id", "total"):
            assert line_sums[sale_id] == total == vat_sums[sale_id] == paid[sale_id]
        for row in SaleVat.objects.all()[:2000]:
            assert row.gross == row.net + row.vat
            assert row.vat == vat_from_gross(row.gross, row.vat_rate)
        lines = SaleLine.objects.aggregate(n=Count("id"))["n"]
        assert 4 * 3000 < lines < 6 * 3000 * 1.1
        # a return points to its original, line by line
        refund = sales.filter(kind="refund").first()
        assert refund.original_sale.total == -refund.total
        assert all(line.original_line.sale_id == refund.original_sale_id for line in refund.lines.all())
        # receipt numbers per register: 1..n without gaps, in the order of time; the counter at the last one
        for register_id in sales.values_list("register_id", flat=True).distinct():
            numbers = list(
                sales.filter(register_id=register_id).order_by("completed_at").values_list("receipt_number", flat=True)
            )
            assert numbers == list(range(1, len(numbers) + 1))
            counter = RegisterCounter.objects.get(register_id=register_id, kind="receipt")
            assert counter.last_value == len(numbers)
        # every sale lies in its shift; cash in the drawer as expected at each Z
        assert not sales.exclude(shift__register_id=F("register_id")).exists()
        closed = Shift.objects.filter(organization=shop, status="closed")
        assert closed.count() > 0
        assert not closed.exclude(difference=Decimal("0.00")).exists()
        assert Shift.objects.filter(organization=shop, status="open").count() <= 6


def test_the_register_sells_on_after_seeding(shop, store, register):
    with scopes_disabled():
        seed_sales(shop, 500, seed=1)
        last = Sale.objects.filter(register=register).aggregate(m=Max("receipt_number"))["m"]
        cashier = EmployeeFactory(organization=shop, role=(store, Role.CASHIER))
        variant = ProductFactory(organization=shop, price="1.00").variants.get()
    with scope(organization=shop.pk):
        if not Shift.objects.filter(register=register, status="open").exists():
            from kasse.sales.services.shifts import open_shift

            open_shift(actor=Actor.system(), register=register, employee=cashier, count={})
        sale = complete_sale(
            actor=Actor.system(),
            register=register,
            employee=cashier,
            cart=SaleInput(id=uuid7(), lines=[LineInput(variant.pk, 1)], payments=[PaymentInput("cash", 5)]),
        )
    assert sale.receipt_number == last + 1


def test_seeding_refuses_bad_counts_and_organizations_without_products(organization, store):
    with scopes_disabled(), pytest.raises(SalesSeedRefused, match="no active products"):
        seed_sales(organization, 10)
    with pytest.raises(CommandError, match="--sales must be 0 or more"):
        call_command("seed", "--sales", "-1")


def _sums_snapshot(organization) -> dict[str, list[tuple]]:
    """Every row of every sums table, without its id, sorted: what two ways of computing must agree on."""
    from kasse.reports.aggregates import DAY_TABLES
    from kasse.reports.models import ProductMonthSums

    snapshot = {}
    for model in (*DAY_TABLES, ProductMonthSums):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        rows = model.objects.filter(organization_id=organization.pk).values_list(*fields)
        snapshot[model.__name__] = sorted(tuple(str(v) for v in row) for row in rows)
    return snapshot


def test_the_seeds_report_sums_are_the_ones_the_live_path_computes(shop):
    from kasse.reports.aggregates import rebuild_organization
    from kasse.reports.models import DaySums, HourSums, PendingHour, ProductMonthSums, ProductSums

    with scopes_disabled():
        seed_sales(shop, 4000, seed=3, years=1)
        # written in bulk with the receipts: nothing left for the first report to compute
        assert not PendingHour.objects.filter(organization_id=shop.pk).exists()
        seeded = _sums_snapshot(shop)
        assert all(seeded[m.__name__] for m in (HourSums, DaySums, ProductSums, ProductMonthSums))
        receipts = Sale.objects.filter(organization=shop).aggregate(s=Sum("total"))["s"]
        assert HourSums.objects.filter(organization_id=shop.pk).aggregate(s=Sum("gross"))["s"] == receipts
        rebuild_organization(shop.pk)  # the live path: every day again from the raw rows
        assert _sums_snapshot(shop) == seeded


def test_seeded_days_that_had_receipts_before_are_left_to_the_live_path(shop, store, register):
    from kasse.reports.aggregates import rebuild_organization, refresh
    from kasse.reports.models import PendingHour

    with scopes_disabled():
        seed_sales(shop, 300, seed=4, years=1, stores=1)
        cashier = EmployeeFactory(organization=shop, role=(store, Role.CASHIER))
        variant = ProductFactory(organization=shop, price="2.00").variants.get()
    with scope(organization=shop.pk):
        if not Shift.objects.filter(register=register, status="open").exists():
            from kasse.sales.services.shifts import open_shift

            open_shift(actor=Actor.system(), register=register, employee=cashier, count={})
        complete_sale(  # today, through the live path: its trigger marks today's hour
            actor=Actor.system(),
            register=register,
            employee=cashier,
            cart=SaleInput(id=uuid7(), lines=[LineInput(variant.pk, 2)], payments=[PaymentInput("cash", 5)]),
        )
    with scopes_disabled():
        assert PendingHour.objects.filter(organization_id=shop.pk).exists()
        seed_sales(shop, 2000, seed=5, years=1)  # a second seed into the same days, one of them marked
        refresh(shop.pk)
        assert not PendingHour.objects.filter(organization_id=shop.pk).exists()
        kept = _sums_snapshot(shop)
        rebuild_organization(shop.pk)
        assert _sums_snapshot(shop) == kept
