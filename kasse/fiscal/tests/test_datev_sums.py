"""Property: per store, local day and VAT rate (and per payment method) the exported sums equal the sales."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasse.fiscal.datev_export import ExportRequest, export_lines, prepare_export
from kasse.fiscal.tests.datev_world import add_cash_movement, add_sale, configure, open_shift, parse, signed
from kasse.sales import daily_sums
from kasse.sales.models import CashMovement, Payment, Sale, SaleKind
from kasse.testing.factories import RegisterFactory, StoreFactory

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = date(2026, 3, 28)  # the days around the change to summer time (29 March 2026)
REVENUE = {Decimal("19"): "8400", Decimal("7"): "8300", Decimal("0"): "8200"}
PAYMENT = {"cash": "1000", "card": "1360", "qr": "1360", "other": "1360"}

cents = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)
receipt = st.fixed_dictionaries(
    {
        "store": st.integers(0, 1),
        "minute": st.integers(0, 3 * 24 * 60 - 1),
        "refund": st.booleans(),
        "vat": st.dictionaries(st.sampled_from(["19", "7", "0"]), cents, min_size=1),
        "methods": st.lists(st.sampled_from(["cash", "card", "qr", "other"]), min_size=1, max_size=4, unique=True),
    }
)
movement = st.tuples(st.integers(0, 1), st.integers(0, 3 * 24 * 60 - 1), st.integers(-50_000, 50_000))


def _split(total: Decimal, methods: list[str]) -> dict[str, str]:
    """Pay ``total`` with the methods: all but the last get a share, the last the rest (to the cent)."""
    shares: dict[str, str] = {}
    rest = total
    for method in methods[:-1]:
        part = (total / len(methods)).quantize(Decimal("0.01"))
        shares[method] = str(part)
        rest -= part
    shares[methods[-1]] = str(rest)
    return shares


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(receipts=st.lists(receipt, max_size=12), movements=st.lists(movement, max_size=4))
def test_exported_sums_per_day_and_rate_equal_the_sales_to_the_cent(organization, receipts, movements):
    with transaction.atomic():
        configure(organization)
        stores = [StoreFactory(organization=organization, number=901 + n) for n in range(2)]
        start = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=BERLIN)
        shifts = [open_shift(RegisterFactory(store=s, organization=organization), start) for s in stores]
        for r in receipts:
            sign = -1 if r["refund"] else 1
            vat = {rate: str(sign * amount) for rate, amount in r["vat"].items()}
            total = sum((Decimal(v) for v in vat.values()), Decimal("0"))
            # Minutes counted in UTC so that the hour skipped by summer time is no gap in the test data
            when = timezone.localtime(start + timedelta(minutes=r["minute"]), BERLIN)
            add_sale(
                shifts[r["store"]],
                when,
                vat,
                _split(total, r["methods"]),
                kind=SaleKind.REFUND if r["refund"] else SaleKind.SALE,
            )
        for store_index, minute, amount in movements:
            if amount:
                add_cash_movement(
                    shifts[store_index], start + timedelta(minutes=minute), str(Decimal(amount) / 100), "Bank"
                )

        # When the three days are exported for both stores
        request = ExportRequest(organization, stores, FIRST, FIRST + timedelta(days=2))
        _, _, rows = parse(b"".join(export_lines(request, prepare_export(request), daily_sums)))

        # Then, per store, day and rate, the revenue booked equals the VAT rows of the receipts
        exported: dict[tuple, Decimal] = defaultdict(Decimal)
        for row in rows:
            store_number, day = row[10].strip('"').split("-")
            key = (int(store_number), day)
            if row[7] in REVENUE.values():
                exported[(*key, "revenue", row[7])] -= signed(row)  # booked on the clearing account: S is revenue
            elif row[7] == "1590":
                exported[(*key, "paid", row[6])] += signed(row)
            else:
                exported[(*key, "cash movement", row[7])] += signed(row)
        expected: dict[tuple, Decimal] = defaultdict(Decimal)
        with scopes_disabled():
            for sale in Sale.objects.filter(organization=organization).prefetch_related("vat_rows", "payments"):
                key = (sale.store.number, timezone.localtime(sale.completed_at, BERLIN).strftime("%Y%m%d"))
                for vat_row in sale.vat_rows.all():
                    expected[(*key, "revenue", REVENUE[vat_row.vat_rate.normalize()])] -= vat_row.gross
                for payment in sale.payments.all():
                    expected[(*key, "paid", PAYMENT[payment.method])] += payment.amount
            for m in CashMovement.objects.filter(organization=organization).select_related("shift__store"):
                key = (m.shift.store.number, timezone.localtime(m.created_at, BERLIN).strftime("%Y%m%d"))
                expected[(*key, "cash movement", "1360")] += m.amount
            assert Payment.objects.filter(organization=organization).count() >= len(receipts)
        assert {k: v for k, v in exported.items() if v} == {k: v for k, v in expected.items() if v}
        transaction.set_rollback(True)
