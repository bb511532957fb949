"""A node writes only into its own store: each attack of issue 12, pushed over HTTP as a node would.

The node is paired to store 1; store 2 of the same organization sells through the cloud. Every push
below was answered ``ok`` before the cloud checked each row and each store-scoped reference against the
node's store; now each is refused per record with a reason naming table and column, and changes nothing.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.sales.models import Payment, Sale, SaleLine, SaleVat, Shift
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, cart_total, complete_sale
from kasse.sales.services.shifts import open_shift
from kasse.sync.cloud.feed import snapshot
from kasse.sync.cloud.services import create_node_pairing_code
from kasse.sync.engine.protocol import PROTOCOL_VERSION
from kasse.sync.engine.registry import BY_LABEL, encode_row
from kasse.sync.models import StoreNode, SyncAnomaly
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, RegisterFactory, StoreFactory
from kasse.testing.sync import node_records, of_kind

D = Decimal
pytestmark = pytest.mark.django_db
OWNER = Actor(kind="user", label="owner")


@pytest.fixture
def boss(organization):
    return EmployeeFactory(organization=organization, display_name="Bea", pin="2222", role=(None, Role.MANAGER))


@pytest.fixture
def store2(organization):
    return StoreFactory(organization=organization, name="Filiale Süd", number=2)


@pytest.fixture
def register2(store2):
    return RegisterFactory(store=store2, organization=store2.organization, number=1)


@pytest.fixture
def shift2(register2, boss, in_scope):
    return open_shift(actor=Actor.for_employee(boss), register=register2, employee=boss, count={})


@pytest.fixture
def sale2(register2, boss, shift2, rolls):
    """A sale store 2 made through the cloud."""
    return _sell(register2, boss, rolls)


@pytest.fixture
def token(store):
    with scope(organization=store.organization_id):
        code = create_node_pairing_code(actor=OWNER, store=store)
    answer = Client().post(
        "/sync/v1/pair",
        json.dumps({"protocol": PROTOCOL_VERSION, "code": code, "name": "PC"}),
        content_type="application/json",
        HTTP_KASSE_SYNC_PROTOCOL=str(PROTOCOL_VERSION),
    )
    assert answer.status_code == 200
    return answer.json()["token"]


def _sell(register, employee, *variants):
    with scopes_disabled():
        lines = [LineInput(v.variants.get().pk, D(1)) for v in variants]
    cart = SaleInput(id=uuid7(), lines=lines, payments=[])
    cart.payments = [PaymentInput("cash", cart_total(register, cart))]
    return complete_sale(actor=Actor.for_employee(employee), register=register, employee=employee, cart=cart)


def _push(token, records):
    client = Client(
        HTTP_AUTHORIZATION=f"Node {token}", HTTP_KASSE_SYNC_PROTOCOL=str(PROTOCOL_VERSION), HTTP_ACCEPT_LANGUAGE="en"
    )
    answer = client.post(
        "/sync/v1/push", json.dumps({"protocol": PROTOCOL_VERSION, "records": records}), content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


def _row(obj, **changes):
    values = encode_row(obj, BY_LABEL[obj._meta.label].up_omit)
    values.update(changes)
    return [obj._meta.label, json.loads(json.dumps(values))]


def _state():
    with scopes_disabled():
        return (
            sorted(Sale.objects.values_list("store_id", "register_id", "receipt_number", "total")),
            SaleLine.objects.count(),
            SaleVat.objects.count(),
            Payment.objects.count(),
            sorted(Shift.objects.values_list("id", "store_id", "register_id", "status")),
        )


def test_a_sale_on_another_stores_register_is_refused_and_that_register_keeps_selling(
    token, store, register, store2, register2, shift2, boss, rolls, coffee
):
    records = node_records(lambda: _sell(register2, boss, rolls))  # store 2's register, its next number
    for record in records:
        for _table, values in record["rows"]:
            if values.get("store_id") == str(store2.pk):
                values["store_id"] = str(store.pk)  # ... claimed for the node's store
    before = _state()
    results = _push(token, records)
    (sale,) = of_kind(records, "sale")
    assert results[sale["id"]] == {
        "status": "rejected",
        "detail": "sales.Sale.register_id: points to a Register of another store",
    }
    assert _state() == before
    with scope(organization=store.organization_id):
        _sell(register2, boss, coffee)  # store 2 still completes its next sale
    assert _state()[0][-1][2] == 1


def test_lines_vat_rows_and_payments_cannot_be_added_to_another_stores_sale(
    token, store, sale2, register, boss, shift, coffee
):
    with scopes_disabled():
        line, vat, payment = sale2.lines.get(), sale2.vat_rows.first(), sale2.payments.get()
    extra = [
        _row(line, id=str(uuid7()), position=9, total="100.00"),
        _row(vat, id=str(uuid7())),
        _row(payment, id=str(uuid7()), position=9, amount="100.00"),
    ]
    resent = {"id": str(uuid7()), "kind": "sale", "rows": [_row(sale2, store_id=str(store.pk)), *extra]}
    orphans = {"id": str(uuid7()), "kind": "sale", "rows": extra}  # the children alone, pointing at it
    before = _state()
    results = _push(token, [resent, orphans])
    assert results[resent["id"]] == {
        "status": "rejected",
        "detail": "sales.Sale.register_id: points to a Register of another store",
    }
    assert results[orphans["id"]] == {
        "status": "rejected",
        "detail": "sales.SaleLine.sale_id: a sale's lines, VAT rows and payments travel in the record of their sale",
    }
    assert _state() == before


def test_another_stores_shift_cannot_be_closed_by_sending_it_again(token, store, shift2):
    closed = {
        "id": str(uuid7()),
        "kind": "shift",
        "rows": [
            _row(
                shift2,
                store_id=str(store.pk),
                status="closed",
                closing_number=1,
                closed_at=shift2.opened_at.isoformat(),
                closed_by_id=str(shift2.opened_by_id),
            )
        ],
    }
    before = _state()
    results = _push(token, [closed])
    assert results[closed["id"]] == {
        "status": "rejected",
        "detail": "sales.Shift: the stored row with this id belongs to another store",
    }
    assert _state() == before
    with scopes_disabled():
        assert Shift.objects.get(pk=shift2.pk).status == "open"


def test_a_shift_of_the_node_on_another_stores_register_is_refused(token, store, shift2):
    foreign = {
        "id": str(uuid7()),
        "kind": "shift",
        "rows": [
            _row(
                shift2,
                id=str(uuid7()),
                store_id=str(store.pk),
                status="closed",
                closing_number=5,
                closed_at=shift2.opened_at.isoformat(),
                closed_by_id=str(shift2.opened_by_id),
            )
        ],
    }
    before = _state()
    results = _push(token, [foreign])
    assert results[foreign["id"]] == {
        "status": "rejected",
        "detail": "sales.Shift.register_id: points to a Register of another store",
    }
    assert _state() == before


def test_a_line_added_to_an_own_receipt_already_synced_is_refused(token, register, cashier, shift, rolls, coffee):
    records = node_records(lambda: _sell(register, cashier, rolls))
    (sale,) = of_kind(records, "sale")
    assert _push(token, records)[sale["id"]]["status"] == "ok"
    grown = copy.deepcopy(sale)
    grown["id"] = str(uuid7())
    line = copy.deepcopy(next(entry for entry in grown["rows"] if entry[0] == "sales.SaleLine"))
    line[1].update(id=str(uuid7()), position=2)
    grown["rows"].append(line)
    before = _state()
    results = _push(token, [grown])
    assert results[grown["id"]] == {
        "status": "rejected",
        "detail": "sales.SaleLine: the sale is stored already; a finished receipt never changes",
    }
    assert _state() == before
    assert _push(token, [sale])[sale["id"]]["status"] == "duplicate"  # the receipt as it was is still fine


def test_after_every_refused_attack_the_stores_snapshot_holds_only_its_own_rows(
    token, store, register, store2, register2, shift2, sale2, boss, rolls
):
    """A row of store 1 pointing into store 2 would reach the next node of store 1 in its snapshot, whose
    replica cannot hold it (the register is not there): pairing fails. Such rows never get in."""
    records = node_records(lambda: _sell(register2, boss, rolls))
    for record in records:
        for table, values in record["rows"]:
            if values.get("store_id") == str(store2.pk):
                values["store_id"] = str(store.pk)
            if table == "sales.Sale":
                values["shift_id"] = str(shift2.pk)
    _push(token, records)
    with scopes_disabled():
        node = StoreNode.objects.get()
    rows = {label: {row["id"]: row for row in table_rows} for label, table_rows in snapshot(node)}
    registers, shifts = set(rows["tenancy.Register"]), set(rows.get("sales.Shift", {}))
    assert str(register.pk) in registers
    assert all(s["register_id"] in registers for s in rows.get("sales.Shift", {}).values())
    assert all(s["register_id"] in registers and s["shift_id"] in shifts for s in rows.get("sales.Sale", {}).values())


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("sales.Sale", "receipt_number"),
        ("sales.Sale", "register_id"),
        ("sales.Sale", "total"),
        ("sales.SaleLine", "total"),
        ("sales.Payment", "amount"),
    ],
)
def test_a_row_missing_a_required_column_is_refused_per_record_not_with_a_500(
    token, register, cashier, shift, rolls, table, column
):
    records = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")
    bad = copy.deepcopy(records[0])
    del next(entry for entry in bad["rows"] if entry[0] == table)[1][column]
    results = _push(token, [bad])
    assert results[bad["id"]] == {"status": "rejected", "detail": f"{table}.{column}: missing (the column is required)"}
    assert _state()[0] == []


def test_a_customer_missing_its_number_or_with_malformed_clock_stamps_is_refused(token, organization):
    from kasse.customers.services import save_customer

    def create():
        with scope(organization=organization):
            save_customer(
                actor=OWNER, organization=organization, customer=None, data={"first_name": "Ida", "last_name": "Ost"}
            )

    (record,) = of_kind(node_records(create), "customer")
    no_number = copy.deepcopy(record)
    del no_number["rows"][0][1]["customer_number"]
    no_number["id"] = str(uuid7())
    bad_clock = copy.deepcopy(record)
    bad_clock["id"] = str(uuid7())
    bad_clock["rows"][0][1]["sync_clocks"] = {"first_name": 12}
    bad_base = copy.deepcopy(record)
    bad_base["id"] = str(uuid7())
    bad_base["rows"][0][2:] = [{"base_clocks": {"first_name": "yesterday"}}]
    results = _push(token, [no_number, bad_clock, bad_base])
    assert results[no_number["id"]] == {
        "status": "rejected",
        "detail": "customers.Customer.customer_number: missing (the column is required)",
    }
    assert results[bad_clock["id"]]["status"] == results[bad_base["id"]]["status"] == "rejected"
    assert results[bad_clock["id"]]["detail"].startswith("customers.Customer.sync_clocks: the stamp of 'first_name'")
    assert results[bad_base["id"]]["detail"].startswith("customers.Customer.base_clocks: the stamp of 'first_name'")
    with scopes_disabled():
        assert not SyncAnomaly.objects.exists()


def test_a_batch_is_judged_whole_and_only_a_batch_with_a_foreign_row_record_by_record(
    token, store, register, cashier, shift, store2, register2, shift2, boss, rolls, coffee, monkeypatch
):
    """The store checks run over the batch's columns at once; only when one fails is each record judged on
    its own, and then the attack alone is refused, the node's own sales of the same push are stored."""
    from kasse.sync.cloud import checks

    judged = []
    refusal = checks.StoreScope.refusal
    monkeypatch.setattr(checks.StoreScope, "refusal", lambda self, rows: judged.append(rows) or refusal(self, rows))
    own = node_records(lambda: (_sell(register, cashier, rolls), _sell(register, cashier, coffee)))
    first, second = of_kind(own, "sale")
    first_push = [first, *(r for r in own if r is not second and r["kind"] != "sale")]
    assert {r["status"] for r in _push(token, first_push).values()} == {"ok"}
    assert judged == []  # a clean batch: no record needed a check of its own
    attack = node_records(lambda: _sell(register2, boss, rolls))
    for record in attack:
        for _table, values in record["rows"]:
            if values.get("store_id") == str(store2.pk):
                values["store_id"] = str(store.pk)
    more = [second]
    results = _push(token, [*more, *of_kind(attack, "sale")])
    assert results[of_kind(attack, "sale")[0]["id"]]["status"] == "rejected"
    assert {results[r["id"]]["status"] for r in more} == {"ok"}
    assert len(judged) == len(more) + 1
    with scopes_disabled():
        assert Sale.objects.filter(store=store).count() == 2
        assert not Sale.objects.filter(store=store2).exists()
