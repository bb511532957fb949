"""Offline redemption on two registers of two places at once, over random card values and random
redemptions (hypothesis): each place spends only what it knows (the last balance plus its own entries); the
cloud keeps every sale, counts each entry once even when a batch is resent, ends at the value less everything
spent, and flags the card exactly when it ended below zero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasse.core.actors import Actor
from kasse.sales.services.shifts import open_shift
from kasse.sync.cloud.ingest import Ingestor
from kasse.sync.models import AnomalyKind, SyncAnomaly
from kasse.testing.factories import RegisterFactory
from kasse.testing.sync import node_records, of_kind
from kasse.vouchers.models import Voucher, VoucherEntry
from kasse.vouchers.selectors import balance_of
from kasse.vouchers.tests.conftest import sell

D = Decimal
cents = st.integers(1, 280)  # at most one coffee (2.80 €)


def _offline(register, cashier, coffee, wanted: list[int], known: Decimal) -> tuple[list[dict], Decimal]:
    """One place offline: redeems what it wants as long as its own view of the card allows; its records."""
    spent = D(0)

    def run() -> None:
        nonlocal spent
        for want in wanted:
            amount = min(D(want) / 100, known - spent)
            if amount <= 0:
                return
            sell(register, cashier, [(coffee, 1)], paid_with=[("OFFPROP001", str(amount))])
            spent += amount

    return of_kind(node_records(run), "sale"), spent


@pytest.mark.django_db
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.integers(1, 800), at_a=st.lists(cents, max_size=4), at_b=st.lists(cents, max_size=4))
def test_two_places_offline_each_spend_what_they_know_and_the_cloud_adds_up_and_flags(
    organization, store, node, cashier, gift_card, coffee, value, at_a, at_b
):
    with transaction.atomic(), scopes_disabled():
        registers = [RegisterFactory(store=store, organization=organization, number=n) for n in (11, 12, 13)]
        for each in registers:
            open_shift(actor=Actor.system(), register=each, employee=cashier, count={"50": 1})
        card_value = D(value) / 100
        sell(registers[2], cashier, cards=[(gift_card, "OFFPROP001", str(card_value))])
        records_a, spent_a = _offline(registers[0], cashier, coffee, at_a, card_value)
        records_b, spent_b = _offline(registers[1], cashier, coffee, at_b, card_value)
        assert spent_a <= card_value
        assert spent_b <= card_value  # neither place ever spent more than it knew
        results = Ingestor(node, records_a + records_b).run()
        assert {r["status"] for r in results.values()} <= {"ok"}
        again = Ingestor(node, records_a + records_b).run()
        assert {r["status"] for r in again.values()} <= {"duplicate"}
        voucher = Voucher.objects.get(code="OFFPROP001")
        final = balance_of(voucher)
        assert final == card_value - spent_a - spent_b
        assert VoucherEntry.objects.filter(voucher=voucher).count() == 1 + len(records_a) + len(records_b)
        flagged = SyncAnomaly.objects.filter(kind=AnomalyKind.VOUCHER_NEGATIVE).exists()
        assert flagged == (final < 0)
        transaction.set_rollback(True)
