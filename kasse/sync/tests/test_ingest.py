"""The cloud taking outbox records from a node: exactly once, in any order, never dropping a sale."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.inventory.models import StockMovement
from kasse.sales.models import Payment, Sale, SaleLine, Shift
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.shifts import close_shift, open_shift
from kasse.sync.cloud.ingest import Ingestor
from kasse.sync.models import AnomalyKind, SyncAnomaly
from kasse.testing.factories import OrganizationFactory, RegisterFactory, StoreFactory
from kasse.testing.sync import node_records, of_kind

D = Decimal
pytestmark = pytest.mark.django_db


def _sell(register, employee, *variants, pay="20.00"):
    with scopes_disabled():
        lines = [LineInput(v.variants.get().pk if hasattr(v, "variants") else v.pk, D(1)) for v in variants]
    return complete_sale(
        actor=Actor.for_employee(employee),
        register=register,
        employee=employee,
        cart=SaleInput(id=uuid7(), lines=lines, payments=[PaymentInput("cash", D(pay))]),
    )


def _ingest(node, records):
    return Ingestor(node, records).run()


def _counts():
    with scopes_disabled():
        return (Sale.objects.count(), SaleLine.objects.count(), Payment.objects.count(), StockMovement.objects.count())


def test_a_sale_from_the_node_is_stored_once_however_often_it_arrives(node, register, cashier, shift, rolls, coffee):
    records = node_records(lambda: _sell(register, cashier, rolls, coffee))
    assert [r["kind"] for r in records] == ["audit", "sale"]
    assert _counts() == (0, 0, 0, 0)  # born on the node only
    first = _ingest(node, records)
    assert {r["status"] for r in first.values()} == {"ok"}
    again = _ingest(node, records + records)
    assert {r["status"] for r in again.values()} == {"duplicate"}
    assert _counts() == (1, 2, 1, 2)
    with scopes_disabled():
        sale = Sale.objects.get()
        assert sale.total == D("3.25")
        assert not SyncAnomaly.objects.exists()


def test_records_arriving_before_what_they_refer_to_wait_and_then_land(node, register, cashier, rolls):
    def offline_day():
        shift = open_shift(actor=Actor.for_employee(cashier), register=register, employee=cashier, count={})
        _sell(register, cashier, rolls)
        close_shift(actor=Actor.for_employee(cashier), shift=shift, employee=cashier, count={"0.05": 9})

    records = node_records(offline_day)
    opened, closed = of_kind(records, "shift")
    (sale,) = of_kind(records, "sale")
    # The sale arrives first, alone: its shift is unknown, so it waits
    results = _ingest(node, [sale])
    assert results[sale["id"]]["status"] == "retry"
    assert "sales.Shift" in results[sale["id"]]["detail"]
    assert _counts()[0] == 0
    # Then the closing and the sale again: both land (the closing carries the whole shift row)
    results = _ingest(node, [closed, sale])
    assert results[closed["id"]]["status"] == results[sale["id"]]["status"] == "ok"
    # The opening arrives last
    assert _ingest(node, [opened])[opened["id"]]["status"] == "ok"
    with scopes_disabled():
        shift = Shift.objects.get()
        assert shift.status == "closed"  # the late "open" state did not reopen it
        assert shift.closing_number == 1
        assert Sale.objects.get().shift_id == shift.pk


def test_one_bad_record_does_not_hold_back_the_others(node, register, cashier, shift, rolls, coffee):
    good = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")[0]
    foreign = copy.deepcopy(of_kind(node_records(lambda: _sell(register, cashier, coffee)), "sale")[0])
    other = OrganizationFactory()
    for entry in foreign["rows"]:
        entry[1]["organization_id"] = str(other.pk)
    unknown_table = {"id": str(uuid7()), "kind": "x", "rows": [["tenancy.User", {"id": str(uuid7())}]]}
    unknown_column = copy.deepcopy(good)
    unknown_column["id"] = str(uuid7())
    unknown_column["rows"][0][1]["from_the_future"] = 1
    results = _ingest(node, [foreign, good, unknown_table, unknown_column, "garbage"])
    assert results[good["id"]]["status"] == "ok"
    assert results[foreign["id"]] == {"status": "rejected", "detail": "a row belongs to another organization"}
    assert results[unknown_table["id"]]["status"] == "rejected"
    assert "from_the_future" in results[unknown_column["id"]]["detail"]
    assert results["#4"]["status"] == "rejected"
    assert _counts()[0] == 1


def test_a_node_cannot_write_into_another_store(node, organization, cashier, rolls):
    other_store = StoreFactory(organization=organization, number=2)
    other_register = RegisterFactory(store=other_store, organization=organization)
    with scope(organization=organization):
        from kasse.tenancy.models import StoreRole

        StoreRole.objects.filter(employee=cashier).update(store=None)

    def elsewhere():
        open_shift(actor=Actor.for_employee(cashier), register=other_register, employee=cashier, count={})
        _sell(other_register, cashier, rolls)

    records = node_records(elsewhere)
    results = _ingest(node, records)
    assert {results[r["id"]]["status"] for r in of_kind(records, "sale") + of_kind(records, "shift")} == {"rejected"}
    assert _counts()[0] == 0


def test_a_sale_that_does_not_add_up_is_kept_and_flagged(node, register, cashier, shift, rolls):
    (record,) = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")
    record["rows"][0][1]["total"] = "99.99"  # e.g. a bug on an old node
    assert _ingest(node, [record])[record["id"]]["status"] == "ok"
    with scopes_disabled():
        assert Sale.objects.get().total == D("99.99")  # stored as it happened
        kinds = set(SyncAnomaly.objects.values_list("kind", flat=True))
    assert kinds == {AnomalyKind.TOTALS, AnomalyKind.VAT, AnomalyKind.PAYMENTS}


def test_a_receipt_number_used_twice_is_quarantined_not_dropped(node, register, cashier, shift, rolls, coffee):
    (first,) = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")
    (second,) = of_kind(node_records(lambda: _sell(register, cashier, coffee)), "sale")  # also number 1
    _ingest(node, [first])
    assert _ingest(node, [second])[second["id"]]["status"] == "quarantined"
    with scopes_disabled():
        anomaly = SyncAnomaly.objects.get(kind=AnomalyKind.NUMBER_CLASH)
        assert anomaly.payload == second
        assert Sale.objects.count() == 1


def test_receipt_numbers_taken_are_found_whether_a_batch_numbers_closely_or_far_apart(
    node, register, cashier, shift, rolls
):
    stored = of_kind(node_records(lambda: [_sell(register, cashier, rolls) for _ in range(3)]), "sale")
    close = of_kind(node_records(lambda: [_sell(register, cashier, rolls) for _ in range(3)]), "sale")  # 1, 2, 3 again
    assert {r["status"] for r in _ingest(node, stored).values()} == {"ok"}
    far = copy.deepcopy(close[:2])
    for record, number in zip(far, (2, 500), strict=True):
        record["id"] = str(uuid7())
        next(values for table, values in record["rows"] if table == "sales.Sale")["receipt_number"] = number
    assert {r["status"] for r in _ingest(node, close).values()} == {"quarantined"}
    results = _ingest(node, far)
    assert [results[r["id"]]["status"] for r in far] == ["quarantined", "ok"]
    with scopes_disabled():
        assert sorted(Sale.objects.values_list("receipt_number", flat=True)) == [1, 2, 3, 500]


def test_a_node_clock_far_ahead_is_flagged_but_the_sale_kept(node, register, cashier, shift, rolls):
    (record,) = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")
    ahead = (timezone.now() + timedelta(minutes=30)).isoformat()
    record["rows"][0][1]["completed_at"] = ahead
    assert _ingest(node, [record])[record["id"]]["status"] == "ok"
    with scopes_disabled():
        assert SyncAnomaly.objects.get().kind == AnomalyKind.CLOCK
        assert Sale.objects.count() == 1


@pytest.mark.parametrize(
    ("table", "column", "value", "reason"),
    [
        ("sales.SaleLine", "total", "1.005", "more than 2 decimal places"),  # the database would round it
        ("sales.SaleLine", "total", "NaN", "not a finite number"),
        ("sales.SaleLine", "total", 1.5, "not a decimal number"),  # a float is not money
        ("sales.SaleLine", "quantity", "123456789012", "digits before the point"),
        ("sales.SaleLine", "product_name", "x" * 500, "longer than"),
        ("sales.SaleLine", "product_name", "Bio\x00Brot", "NUL character"),
        ("sales.SaleLine", "variant_id", "not-a-uuid", "not a UUID"),
        ("sales.SaleLine", "position", -1, "out of range"),
        ("sales.SaleLine", "position", True, "not an integer"),
        ("sales.Sale", "completed_at", "2026-11-29T10:00:00", "without time zone"),
        ("sales.Sale", "employee_id", None, "may not be empty"),
    ],
)
def test_a_value_its_column_cannot_take_rejects_the_record_and_stores_nothing_of_it(
    node, register, cashier, shift, rolls, table, column, value, reason
):
    records = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")
    bad = copy.deepcopy(records[0])
    next(entry for entry in bad["rows"] if entry[0] == table)[1][column] = value
    result = _ingest(node, [bad])[bad["id"]]
    assert result["status"] == "rejected"
    assert table in result["detail"]
    assert column in result["detail"]
    assert reason in result["detail"]
    assert _counts() == (0, 0, 0, 0)
    assert _ingest(node, records)[records[0]["id"]]["status"] == "ok"  # the intact record still lands


def test_ids_in_other_spellings_are_stored_in_canonical_form(node, register, cashier, shift, rolls):
    (record,) = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")
    shouted = copy.deepcopy(record)
    for _table, values in shouted["rows"]:
        values["id"] = values["id"].upper()
        values["organization_id"] = values["organization_id"].upper()
    assert _ingest(node, [shouted])[shouted["id"]]["status"] == "ok"
    assert _ingest(node, [record])[record["id"]]["status"] == "duplicate"  # the same rows, as the node spells them
    assert _counts() == (1, 1, 1, 1)


def test_rows_from_a_node_without_a_newer_optional_column_are_stored_with_its_default(
    node, register, cashier, shift, rolls
):
    (record,) = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")
    for table, values in record["rows"]:
        if table == "inventory.StockMovement":
            del values["sale_line_id"], values["note"]  # as a node of an older version, without these columns
    assert _ingest(node, [record])[record["id"]]["status"] == "ok"
    with scopes_disabled():
        movement = StockMovement.objects.get()
        assert (movement.sale_line_id, movement.note) == (None, "")


def test_stored_rows_keep_their_values_json_included_and_get_the_time_they_arrived(
    node, register, cashier, shift, rolls
):
    from kasse.core.models import AuditEntry

    records = node_records(lambda: _sell(register, cashier, rolls))
    sent = {table: values for record in records for table, values, *_meta in record["rows"]}
    before = timezone.now()
    assert {r["status"] for r in _ingest(node, records).values()} == {"ok"}
    with scopes_disabled():
        audit = AuditEntry.objects.get(pk=sent["core.AuditEntry"]["id"])
        sale = Sale.objects.get()
        line = SaleLine.objects.get()
    assert audit.data == sent["core.AuditEntry"]["data"]  # JSON as sent
    assert audit.created_at.isoformat() == sent["core.AuditEntry"]["created_at"]
    assert sale.completed_at.isoformat() == sent["sales.Sale"]["completed_at"]
    assert (line.quantity, line.total) == (D(sent["sales.SaleLine"]["quantity"]), D(sent["sales.SaleLine"]["total"]))
    assert sale.updated_at >= before  # stamped on arrival, as any insert in the cloud


def test_a_batch_mixing_a_resent_sale_with_new_ones_stores_the_new_and_answers_duplicate_for_the_old(
    node, register, cashier, shift, rolls, coffee
):
    first = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")
    later = of_kind(node_records(lambda: [_sell(register, cashier, coffee) for _ in range(2)]), "sale")
    for record, number in zip(later, (2, 3), strict=True):  # as the node numbers them after the first
        next(values for table, values in record["rows"] if table == "sales.Sale")["receipt_number"] = number
    _ingest(node, first)
    # Insert-only rows go in without a lookup first; the resent sale makes that fail, and the batch is
    # stored the careful way: nothing lost, nothing twice.
    results = _ingest(node, later[:1] + first + later[1:])
    assert [results[r["id"]]["status"] for r in later[:1] + first + later[1:]] == ["ok", "duplicate", "ok"]
    assert _counts() == (3, 3, 3, 3)


def test_a_negative_sale_that_is_not_a_return_and_one_dated_months_ago_are_kept_and_flagged(
    node, register, cashier, shift, rolls, coffee
):
    (negative,) = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")
    (old,) = of_kind(node_records(lambda: _sell(register, cashier, coffee)), "sale")
    for entry in negative["rows"]:
        for column in ("total", "amount", "gross", "net", "vat"):
            if column in entry[1] and entry[0] != "inventory.StockMovement":
                entry[1][column] = "-" + entry[1][column]
    sale_row = next(values for table, values in old["rows"] if table == "sales.Sale")
    sale_row["receipt_number"] = 2
    sale_row["completed_at"] = sale_row["started_at"] = (timezone.now() - timedelta(days=400)).isoformat()
    results = _ingest(node, [negative, old])
    assert {results[negative["id"]]["status"], results[old["id"]]["status"]} == {"ok"}
    with scopes_disabled():
        assert Sale.objects.count() == 2  # a sale that happened is never dropped
        flagged = sorted(SyncAnomaly.objects.values_list("kind", "object_id"))
    assert flagged == sorted(
        [(AnomalyKind.NEGATIVE, negative["rows"][0][1]["id"]), (AnomalyKind.DATED, sale_row["id"])]
    )
