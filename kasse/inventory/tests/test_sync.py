"""A goods receipt booked in the cloud reaches its store's node (and no other) and raises the node's stock."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.inventory.models import GoodsReceipt, StockMovement, StockReason
from kasse.inventory.selectors import stock_level
from kasse.inventory.services import ReceiptLine, book_goods_receipt
from kasse.inventory.tests.conftest import variant_of
from kasse.sync.cloud.services import create_node_pairing_code
from kasse.sync.engine.protocol import PROTOCOL_VERSION
from kasse.sync.node.apply import apply_events, upsert_rows
from kasse.testing.sync import as_node, node_records

pytestmark = pytest.mark.django_db


def _node_client(store) -> Client:
    with scope(organization=store.organization_id):
        code = create_node_pairing_code(actor=Actor.system(), store=store)
    answer = Client().post(
        "/sync/v1/pair",
        json.dumps({"protocol": PROTOCOL_VERSION, "code": code, "name": "PC"}),
        content_type="application/json",
        HTTP_KASSE_SYNC_PROTOCOL=str(PROTOCOL_VERSION),
    )
    assert answer.status_code == 200
    return Client(HTTP_AUTHORIZATION=f"Node {answer.json()['token']}", HTTP_KASSE_SYNC_PROTOCOL=str(PROTOCOL_VERSION))


def _book(store, employee, lines):
    return book_goods_receipt(actor=Actor.for_user(employee.user), store=store, employee=employee, lines=lines)


def _forget_inventory():
    """The node's database before the feed arrives: the cloud's receipts are not there yet."""
    with scopes_disabled():
        StockMovement.objects.all().delete()
        GoodsReceipt.objects.all().delete()


def test_a_receipt_booked_in_the_cloud_reaches_only_its_stores_node_and_its_stock(
    store, other_store, owner_employee, rolls, cheese
):
    node = _node_client(store)
    bread, kaese = variant_of(rolls), variant_of(cheese)
    mine = _book(store, owner_employee, [ReceiptLine(bread.pk, Decimal(24)), ReceiptLine(kaese.pk, Decimal("2.5"))])
    _book(other_store, owner_employee, [ReceiptLine(bread.pk, Decimal(99))])

    feed = node.get("/sync/v1/changes?since=0").json()
    events = [e for e in feed["events"] if e["model"].startswith("inventory.")]
    # Only this store's receipt and movements, header first
    assert [e["model"] for e in events] == [
        "inventory.GoodsReceipt",
        "inventory.StockMovement",
        "inventory.StockMovement",
    ]
    assert {e["row"]["store_id"] for e in events} == {str(store.pk)}
    assert {e["row"]["goods_receipt_id"] for e in events[1:]} == {str(mine.pk)}

    _forget_inventory()
    with as_node(), scopes_disabled():
        apply_events(feed["events"])
        apply_events(feed["events"])  # a replay (crash before the cursor moved) changes nothing
        receipt = GoodsReceipt.objects.get()
        assert (receipt.pk, receipt.number, receipt.booked_by_id) == (mine.pk, 1, owner_employee.pk)
        assert StockMovement.objects.filter(goods_receipt=receipt, reason=StockReason.RECEIPT).count() == 2
        assert stock_level(store, bread) == Decimal(24)
        assert stock_level(store, kaese) == Decimal("2.5")
        assert stock_level(other_store, bread) == Decimal(0)


def test_a_pairing_node_gets_its_stores_receipts_in_the_snapshot(store, other_store, owner_employee, rolls):
    bread = variant_of(rolls)
    mine = _book(store, owner_employee, [ReceiptLine(bread.pk, Decimal(6))])
    _book(other_store, owner_employee, [ReceiptLine(bread.pk, Decimal(7))])
    snapshot = _node_client(store).get("/sync/v1/snapshot").json()
    labels = [label for label, _rows in snapshot["tables"]]
    assert labels.index("inventory.GoodsReceipt") < labels.index("inventory.StockMovement")
    tables = dict((label, rows) for label, rows in snapshot["tables"])
    assert [r["id"] for r in tables["inventory.GoodsReceipt"]] == [str(mine.pk)]
    _forget_inventory()
    with as_node(), scopes_disabled():
        for label in ("inventory.GoodsReceipt", "inventory.StockMovement"):
            upsert_rows(label, tables[label])
        assert stock_level(store, bread) == Decimal(6)


def test_sales_from_the_node_still_land_with_their_movements(store, register, owner_employee, rolls):
    from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
    from kasse.sales.services.shifts import open_shift

    node = _node_client(store)
    bread = variant_of(rolls)
    _book(store, owner_employee, [ReceiptLine(bread.pk, Decimal(10))])
    with scope(organization=store.organization):
        open_shift(actor=Actor.system(), register=register, employee=owner_employee, count={"20": 5})

    def sell():
        complete_sale(
            actor=Actor.system(),
            register=register,
            employee=owner_employee,
            cart=SaleInput(
                id=uuid7(), lines=[LineInput(bread.pk, Decimal(3))], payments=[PaymentInput("cash", Decimal(5))]
            ),
        )

    records = node_records(sell)
    movement_rows = [row for r in records for label, row, *_ in r["rows"] if label == "inventory.StockMovement"]
    assert [row["goods_receipt_id"] for row in movement_rows] == [None]
    answer = node.post(
        "/sync/v1/push", json.dumps({"protocol": PROTOCOL_VERSION, "records": records}), content_type="application/json"
    ).json()
    assert {result["status"] for result in answer["results"].values()} == {"ok"}
    with scope(organization=store.organization):
        assert stock_level(store, bread) == Decimal(7)
