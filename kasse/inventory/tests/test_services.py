"""Booking goods receipts: one receipt, one movement per line, all or nothing, audited, only for those allowed."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.utils import translation
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.models import AuditEntry
from kasse.inventory.models import GoodsReceipt, StockMovement, StockReason
from kasse.inventory.selectors import label_counts, stock_level
from kasse.inventory.services import InventoryError, ReceiptLine, book_goods_receipt, parse_quantity
from kasse.inventory.tests.conftest import variant_of
from kasse.sync.models import ChangeEvent, OutboxRecord
from kasse.testing.factories import ProductFactory
from kasse.testing.sync import as_node

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _book(store, employee, lines, reference=""):
    return book_goods_receipt(
        actor=Actor.for_user(employee.user), store=store, employee=employee, lines=lines, reference=reference
    )


def _nothing_written(store):
    with scopes_disabled():
        assert not GoodsReceipt.objects.exists()
        assert not StockMovement.objects.exists()
        assert not AuditEntry.objects.filter(action="inventory.goods_receipt.booked").exists()
        assert not ChangeEvent.objects.filter(model__startswith="inventory.").exists()


def test_a_receipt_books_one_movement_per_line_and_raises_the_stock(store, owner_employee, rolls, cheese):
    bread, kaese = variant_of(rolls), variant_of(cheese)
    receipt = _book(
        store,
        owner_employee,
        [ReceiptLine(bread.pk, Decimal(24)), ReceiptLine(kaese.pk, Decimal("3.125"))],
        reference="  Lieferschein 4711 ",
    )
    with scope(organization=store.organization):
        assert (receipt.number, receipt.reference, receipt.booked_by) == (1, "Lieferschein 4711", owner_employee)
        movements = list(StockMovement.objects.filter(goods_receipt=receipt).order_by("id"))
        assert [(m.variant_id, m.delta, m.reason, m.store_id) for m in movements] == [
            (bread.pk, Decimal("24.000"), StockReason.RECEIPT, store.pk),
            (kaese.pk, Decimal("3.125"), StockReason.RECEIPT, store.pk),
        ]
        assert stock_level(store, bread) == Decimal(24)
        assert stock_level(store, kaese) == Decimal("3.125")
        # one audit entry, in the booking's transaction, naming what was booked
        [entry] = AuditEntry.objects.filter(action="inventory.goods_receipt.booked")
        assert entry.object_id == str(receipt.pk)
        assert entry.actor_user == owner_employee.user
        assert entry.data == {
            "store": str(store.pk),
            "number": 1,
            "reference": "Lieferschein 4711",
            "lines": [[str(bread.pk), "24"], [str(kaese.pk), "3.125"]],
        }
        # the header goes down the feed before its movements, all to this store only
        events = list(ChangeEvent.objects.filter(model__startswith="inventory.").order_by("seq"))
        assert [e.model for e in events] == [
            "inventory.GoodsReceipt",
            "inventory.StockMovement",
            "inventory.StockMovement",
        ]
        assert {e.store_id for e in events} == {store.pk}


def test_numbers_count_per_store(store, other_store, owner_employee, rolls):
    bread = variant_of(rolls)
    line = [ReceiptLine(bread.pk, Decimal(1))]
    numbers = [
        _book(store, owner_employee, line).number,
        _book(store, owner_employee, line).number,
        _book(other_store, owner_employee, line).number,
    ]
    assert numbers == [1, 2, 1]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (Decimal(0), "The quantity of “Bergkäse” must be greater than zero."),
        (Decimal("-2"), "The quantity of “Bergkäse” must be greater than zero."),
        (Decimal("1.2345"), "At most 3 decimal places for “Bergkäse”, please."),
        (Decimal("1000000"), "The quantity of “Bergkäse” is too large."),
    ],
)
def test_a_bad_quantity_refuses_the_whole_receipt(store, owner_employee, rolls, cheese, quantity, message):
    # Given a good first line and a bad second one
    lines = [ReceiptLine(variant_of(rolls).pk, Decimal(5)), ReceiptLine(variant_of(cheese).pk, quantity)]
    with pytest.raises(InventoryError) as caught:
        _book(store, owner_employee, lines)
    assert caught.value.messages == [message]
    _nothing_written(store)


def test_pieces_are_whole_numbers(store, owner_employee, rolls):
    with pytest.raises(InventoryError) as caught:
        _book(store, owner_employee, [ReceiptLine(variant_of(rolls).pk, Decimal("2.5"))])
    assert caught.value.messages == ["“Brötchen” is counted in pieces: please enter a whole number."]
    _nothing_written(store)


def test_unknown_foreign_duplicate_or_no_products_are_refused(store, owner_employee, rolls):
    foreign = variant_of(ProductFactory(name="Fremd"))  # another organization's product
    bread = variant_of(rolls)
    cases = [
        ([ReceiptLine(uuid.uuid4(), Decimal(1))], "Some of these products do not exist (any more)."),
        (
            [ReceiptLine(bread.pk, Decimal(1)), ReceiptLine(foreign.pk, Decimal(1))],
            "Some of these products do not exist (any more).",
        ),
        (
            [ReceiptLine(bread.pk, Decimal(1)), ReceiptLine(bread.pk, Decimal(2))],
            "A product appears twice; please enter it once with the total quantity.",
        ),
        ([], "Please add at least one product."),
    ]
    for lines, message in cases:
        with pytest.raises(InventoryError) as caught:
            _book(store, owner_employee, lines)
        assert caught.value.messages == [message]
    with pytest.raises(InventoryError):
        _book(store, owner_employee, [ReceiptLine(bread.pk, Decimal(1))], reference="x" * 101)
    _nothing_written(store)


def test_a_failure_while_writing_leaves_nothing_behind(store, owner_employee, rolls, monkeypatch):
    from kasse.inventory import services

    def broken(kind, objs, **kwargs):  # the feed write fails after the movements were inserted
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "record", broken)
    with pytest.raises(RuntimeError):
        _book(store, owner_employee, [ReceiptLine(variant_of(rolls).pk, Decimal(3))])
    _nothing_written(store)


def test_managers_book_in_their_store_only_and_cashiers_not_at_all(store, other_store, manager, cashier, rolls):
    line = [ReceiptLine(variant_of(rolls).pk, Decimal(2))]
    assert _book(store, manager, line).number == 1
    with pytest.raises(InventoryError) as caught:
        _book(other_store, manager, line)
    assert caught.value.messages == ["Marta may not book goods receipts in this store."]
    with pytest.raises(InventoryError) as caught:
        _book(store, cashier, line)
    assert caught.value.messages == ["Clara may not book goods receipts in this store."]
    with scopes_disabled():
        assert GoodsReceipt.objects.count() == 1


def test_a_store_node_does_not_book_goods_receipts(store, owner_employee, rolls):
    with as_node(), pytest.raises(InventoryError) as caught:
        _book(store, owner_employee, [ReceiptLine(variant_of(rolls).pk, Decimal(2))])
    assert caught.value.messages == ["Goods receipts are booked in the back office in the cloud."]
    with scopes_disabled():
        assert not OutboxRecord.objects.exists()
    _nothing_written(store)


@pytest.mark.parametrize(("raw", "value"), [("3", Decimal(3)), ("1,25", Decimal("1.25")), (" 0.5 ", Decimal("0.5"))])
def test_quantities_are_read_with_comma_or_point(raw, value):
    assert parse_quantity(raw) == value


@pytest.mark.parametrize("raw", ["", "drei", "1,000.5", "NaN", "Infinity", "1e"])
def test_what_is_not_a_quantity_is_refused(raw):
    with pytest.raises(InventoryError):
        parse_quantity(raw)


def test_labels_one_per_piece_and_one_per_weighed_line(store, owner_employee, rolls, cheese):
    bread, kaese = variant_of(rolls), variant_of(cheese)
    receipt = _book(store, owner_employee, [ReceiptLine(bread.pk, Decimal(12)), ReceiptLine(kaese.pk, Decimal("4.2"))])
    with scope(organization=store.organization):
        assert [(v.pk, n) for v, n in label_counts(receipt, max_copies=999)] == [(bread.pk, 12), (kaese.pk, 1)]
        assert [n for _v, n in label_counts(receipt, max_copies=10)] == [10, 1]
