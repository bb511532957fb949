"""Property: the DSFinV-K export's sums agree with the sales to the cent (docs/fiscal.md)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.sales.dsfinvk.export import closings
from kasse.sales.models import Payment, Sale, SaleVat
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.sales.services.rules import Approval
from kasse.sales.services.shifts import close_shift, open_shift, record_cash_movement, shift_figures
from kasse.sales.tests.dsfinvk_check import decimal_of, export_zip, read_export
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, ProductFactory, RegisterFactory

D = Decimal
PRICES = [("2.80", "standard"), ("0.45", "reduced"), ("12.99", "zero"), ("7.35", "exempt")]

line = st.tuples(st.integers(0, len(PRICES) - 1), st.integers(1, 6), st.sampled_from([None, D("10"), D("5")]))
receipt = st.fixed_dictionaries(
    {
        "lines": st.lists(line, min_size=1, max_size=3),
        "card": st.booleans(),
        "return_first_line": st.booleans(),
    }
)


@pytest.mark.django_db
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    receipts=st.lists(receipt, min_size=1, max_size=4),
    movements=st.lists(st.integers(-3000, 5000).filter(bool), max_size=3),
    counted_off=st.integers(-200, 200),
)
def test_the_exports_sums_agree_with_the_sales_to_the_cent(organization, store, receipts, movements, counted_off):
    with transaction.atomic():
        register = RegisterFactory(store=store, organization=organization)
        boss = EmployeeFactory(organization=organization, display_name="Chefin", role=Role.OWNER)
        with scopes_disabled():
            variants = [
                ProductFactory(organization=organization, price=price, vat_class=vat).variants.get()
                for price, vat in PRICES
            ]
        actor = Actor.for_employee(boss)
        shift = open_shift(actor=actor, register=register, employee=boss, count={"50": 2})
        for r in receipts:
            plain = all(discount is None for _i, _q, discount in r["lines"])
            total = sum((D(PRICES[i][0]) * q for i, q, _d in r["lines"]), D("0"))
            payment = PaymentInput("card", total) if r["card"] and plain else PaymentInput("cash", D("1000"))
            sale = complete_sale(
                actor=actor,
                register=register,
                employee=boss,
                cart=SaleInput(
                    id=uuid7(),
                    lines=[
                        LineInput(
                            variants[i].pk,
                            D(q),
                            discount_percent=d,
                            approval=Approval(boss, discount_percent=d) if d else None,
                        )
                        for i, q, d in r["lines"]
                    ],
                    payments=[payment],
                ),
            )
            if r["return_first_line"]:
                with scopes_disabled():
                    first = sale.lines.order_by("position").first()
                refund_sale(
                    actor=actor,
                    register=register,
                    employee=boss,
                    original=sale,
                    lines=[RefundLineInput(first.pk, D(1))],
                    refund_id=uuid7(),
                )
        for cents in movements:
            amount = D(abs(cents)) / 100
            kind = "pay_in" if cents > 0 else "pay_out"
            record_cash_movement(actor=actor, shift=shift, employee=boss, kind=kind, amount=amount, reason="Bank")
        # the count differs from the expected cash by a few cents either way (or not at all)
        expected_cash = shift_figures(shift).expected_cash
        counted = max(D("0"), expected_cash + D(counted_off) / 100)
        count = {"0.01": int(counted * 100)}
        closed = close_shift(actor=actor, shift=shift, employee=boss, count=count)

        with scope(organization=organization):
            today = timezone.localdate()
            files = read_export(export_zip(closings([register], today, today)))

        with scopes_disabled():
            sales = Sale.objects.filter(shift=closed)
            by_vat: dict[str, D] = defaultdict(D)
            for row in SaleVat.objects.filter(sale__shift=closed):
                by_vat[str(row.vat_dsfinvk_id)] += row.gross
            paid: dict[str, D] = defaultdict(D)
            for p in Payment.objects.filter(sale__shift=closed):
                paid["Bar" if p.method == "cash" else "Unbar"] += p.amount
            receipts_total = sum((s.total for s in sales), D("0"))
        # Bonkopf: the receipts' totals; Bonkopf_USt and Z_GV_Typ (Umsatz): the stored VAT rows per id
        umsatz = sum(
            (decimal_of(r["UMS_BRUTTO"]) for r in files["transactions.csv"] if r["BON_TYP"] == "Beleg"), D("0")
        )
        assert umsatz == receipts_total
        header_vat: dict[str, D] = defaultdict(D)
        for r in files["transactions_vat.csv"]:
            if r["UST_SCHLUESSEL"] != "5" or r["BON_ID"] in {str(s.pk) for s in sales}:
                header_vat[r["UST_SCHLUESSEL"]] += decimal_of(r["BON_BRUTTO"])
        cases: dict[str, D] = defaultdict(D)
        for r in files["businesscases.csv"]:
            if r["GV_TYP"] == "Umsatz":
                cases[r["UST_SCHLUESSEL"]] += decimal_of(r["Z_UMS_BRUTTO"])
                assert decimal_of(r["Z_UMS_NETTO"]) + decimal_of(r["Z_UST"]) == decimal_of(r["Z_UMS_BRUTTO"])
        nonzero = {k: v for k, v in by_vat.items() if v}
        assert {k: v for k, v in cases.items() if v} == nonzero
        assert {k: v for k, v in header_vat.items() if v and k != "5"} == {k: v for k, v in nonzero.items() if k != "5"}
        # Z_Zahlart: card as paid; cash is the float, cash sales, cash in/out and the counted difference,
        # which is what was counted in the drawer (Z_Waehrungen)
        payments = {r["ZAHLART_TYP"]: decimal_of(r["Z_ZAHLART_BETRAG"]) for r in files["payment.csv"]}
        assert payments.get("Unbar", D("0")) == paid["Unbar"]
        assert payments["Bar"] == closed.counted_cash
        assert files["cash_per_currency.csv"][0]["ZAHLART_BETRAG_WAEH"] == f"{closed.counted_cash:.2f}".replace(
            ".", ","
        )
        closing = files["cashpointclosing.csv"][0]
        assert decimal_of(closing["Z_SE_ZAHLUNGEN"]) == sum(payments.values(), D("0"))
        assert decimal_of(closing["Z_SE_BARZAHLUNGEN"]) == closed.counted_cash
        transaction.set_rollback(True)
