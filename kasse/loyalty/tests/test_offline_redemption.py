"""Redemption while the store node is offline: the node uses the last known balance plus its own entries; the
cloud keeps every entry and flags a balance that went below zero, for the owner."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.loyalty.booking import Asked
from kasse.loyalty.models import LoyaltyEntry
from kasse.loyalty.selectors import points_balance
from kasse.loyalty.services import adjust_points
from kasse.loyalty.tests.conftest import sell
from kasse.sales.models import Sale
from kasse.sales.services.errors import SaleError
from kasse.sales.services.shifts import open_shift
from kasse.sync.cloud.ingest import Ingestor
from kasse.sync.models import AnomalyKind, SyncAnomaly
from kasse.testing.factories import RegisterFactory
from kasse.testing.sync import as_node, node_records, of_kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def register2(store, cashier, opening_float):
    second = RegisterFactory(store=store, organization=store.organization, number=2)
    open_shift(actor=Actor.for_employee(cashier), register=second, employee=cashier, count=opening_float)
    return second


def test_on_one_node_two_registers_cannot_redeem_the_same_points(
    register, register2, cashier, shift, program, anna, coffee
):
    adjust_points(actor=Actor.system(), customer=anna, points=100, note="Start")
    with as_node():
        sell(register, cashier, anna, [(coffee, 1)], redeem=Asked(points=80))
        with pytest.raises(SaleError, match="Only 22 points are on this account"):
            sell(register2, cashier, anna, [(coffee, 1)], redeem=Asked(points=80), pay="2.80")
    with scopes_disabled():
        assert points_balance(anna.pk) == 22  # 100 − 80 + 2 earned on 2.00 €


def test_two_offline_registers_redeeming_the_same_points_are_both_kept_and_the_owner_sees_the_negative_balance(
    client, owner, node, register, register2, cashier, shift, program, anna, coffee
):
    adjust_points(actor=Actor.system(), customer=anna, points=100, note="Start")
    # each register saw only the last known balance (100): both redemptions happen
    (first,) = of_kind(
        node_records(lambda: sell(register, cashier, anna, [(coffee, 1)], redeem=Asked(points=80))), "sale"
    )
    (second,) = of_kind(
        node_records(lambda: sell(register2, cashier, anna, [(coffee, 1)], redeem=Asked(points=80))), "sale"
    )
    results = Ingestor(node, [first, second]).run()
    assert {results[first["id"]]["status"], results[second["id"]]["status"]} == {"ok"}
    results = Ingestor(node, [first, second]).run()  # sent again: nothing counts twice
    assert {results[first["id"]]["status"], results[second["id"]]["status"]} == {"duplicate"}
    with scopes_disabled():
        assert Sale.objects.count() == 2
        assert LoyaltyEntry.objects.filter(customer=anna).count() == 5  # start, 2 × (redeemed, earned)
        assert points_balance(anna.pk) == 100 - 160 + 4
        flagged = list(SyncAnomaly.objects.values_list("kind", flat=True))
    assert set(flagged) == {AnomalyKind.POINTS_NEGATIVE}  # each redemption of the batch that went below zero
    client.force_login(owner)
    page = client.get("/nodes/anomalies/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-kind="points_negative"' in page
    assert "Loyalty points below zero after offline redemptions" in page


def test_entries_from_a_node_reach_the_cloud_once_with_their_sale(
    node, register, cashier, shift, program, anna, coffee
):
    (record,) = of_kind(node_records(lambda: sell(register, cashier, anna, [(coffee, 2)])), "sale")
    tables = [table for table, _values, *_ in record["rows"]]
    assert "loyalty.LoyaltyEntry" in tables
    Ingestor(node, [record]).run()
    Ingestor(node, [record]).run()
    with scopes_disabled():
        assert points_balance(anna.pk) == 5
        assert LoyaltyEntry.objects.get(customer=anna).sale_id is not None
    assert Decimal(5) == points_balance(anna.pk)
