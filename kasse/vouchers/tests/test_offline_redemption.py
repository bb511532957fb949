"""Gift cards while the store node is offline: it redeems against the last balance it knows plus its own
entries (two registers of one node never spend the same euro, the card's row is locked); two places offline
can, and the cloud keeps both sales, counts nothing twice on a resend and flags the card for the owner."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.sales.models import Sale
from kasse.sales.services.errors import SaleError
from kasse.sales.services.shifts import open_shift
from kasse.sync.cloud.ingest import Ingestor
from kasse.sync.models import AnomalyKind, SyncAnomaly
from kasse.testing.factories import RegisterFactory
from kasse.testing.sync import as_node, node_records, of_kind
from kasse.vouchers.models import Voucher, VoucherEntry
from kasse.vouchers.selectors import balance_of
from kasse.vouchers.tests.conftest import sell

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def register2(store, cashier, opening_float):
    second = RegisterFactory(store=store, organization=store.organization, number=2)
    open_shift(actor=Actor.for_employee(cashier), register=second, employee=cashier, count=opening_float)
    return second


def _balance(code: str) -> Decimal:
    with scopes_disabled():
        return balance_of(Voucher.objects.get(code=code))


def test_on_one_node_two_registers_cannot_spend_the_same_euro(register, register2, cashier, shift, gift_card, coffee):
    sell(register, cashier, cards=[(gift_card, "NODECARD01", "5.00")])
    with as_node():
        sell(register, cashier, [(coffee, 1)], paid_with=[("NODECARD01", "2.80")])
        with pytest.raises(SaleError, match=r"Only 2.20 € are left on the gift card NODECARD01"):
            sell(register2, cashier, [(coffee, 1)], paid_with=[("NODECARD01", "2.80")])
    assert _balance("NODECARD01") == D("2.20")


def test_two_offline_registers_spending_the_same_card_are_both_kept_and_the_owner_sees_it(
    client, owner, node, register, register2, cashier, shift, gift_card, coffee
):
    sell(register, cashier, cards=[(gift_card, "NODECARD02", "4.00")])
    # each place saw only the last known balance (4.00 €): both redemptions happen
    (first,) = of_kind(
        node_records(lambda: sell(register, cashier, [(coffee, 1)], paid_with=[("NODECARD02", "2.80")])), "sale"
    )
    (second,) = of_kind(
        node_records(lambda: sell(register2, cashier, [(coffee, 1)], paid_with=[("NODECARD02", "2.80")])), "sale"
    )
    assert "vouchers.VoucherEntry" in [table for table, _values, *_ in first["rows"]]
    results = Ingestor(node, [first, second]).run()
    assert {results[first["id"]]["status"], results[second["id"]]["status"]} == {"ok"}
    results = Ingestor(node, [first, second]).run()  # sent again: nothing counts twice
    assert {results[first["id"]]["status"], results[second["id"]]["status"]} == {"duplicate"}
    with scopes_disabled():
        assert Sale.objects.count() == 3
        assert VoucherEntry.objects.count() == 3  # issued, 2 × redeemed
        flagged = list(SyncAnomaly.objects.values_list("kind", flat=True))
    assert _balance("NODECARD02") == D("-1.60")
    assert set(flagged) == {AnomalyKind.VOUCHER_NEGATIVE}  # each redemption of the batch that left it below zero
    client.force_login(owner)
    page = client.get("/nodes/anomalies/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-kind="voucher_negative"' in page
    assert "Gift card below zero after offline redemptions" in page


def test_a_card_sold_on_a_node_reaches_the_cloud_once_and_can_be_redeemed_elsewhere(
    node, register, register2, cashier, shift, gift_card, coffee
):
    (record,) = of_kind(
        node_records(lambda: sell(register, cashier, cards=[(gift_card, "NODECARD03", "10.00")])), "sale"
    )
    tables = [table for table, _values, *_ in record["rows"]]
    assert {"vouchers.Voucher", "vouchers.VoucherEntry"} <= set(tables)
    Ingestor(node, [record]).run()
    Ingestor(node, [record]).run()
    assert _balance("NODECARD03") == D("10.00")
    sell(register2, cashier, [(coffee, 1)], paid_with=[("NODECARD03", "2.80")])  # another register
    assert _balance("NODECARD03") == D("7.20")
