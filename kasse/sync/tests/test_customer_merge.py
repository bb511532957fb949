"""Customers edited in the cloud and offline on a node: per field, the later HLC stamp wins."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.customers.models import Customer
from kasse.customers.services import save_customer
from kasse.sync.cloud.ingest import Ingestor
from kasse.sync.engine import local
from kasse.sync.engine.hlc import HybridClock, parse
from kasse.sync.models import NodeState, SyncConflict
from kasse.testing.sync import as_node, node_records

pytestmark = pytest.mark.django_db
OWNER = Actor(kind="user", label="owner")


def _cloud_edit(customer, **data):
    return save_customer(actor=OWNER, organization=customer.organization, customer=customer, data=data)


def test_concurrent_edits_of_one_field_keep_the_later_and_show_the_conflict(node, organization):
    customer = save_customer(actor=OWNER, organization=organization, data={"last_name": "Weber", "phone": "1"})
    # The node edits the phone offline (it has not seen the cloud's next edit) ...
    records = node_records(lambda: _cloud_edit(Customer.objects.with_scopes_disabled().get(), phone="2-node"))
    # ... the cloud edits phone and city afterwards
    _cloud_edit(Customer.objects.with_scopes_disabled().get(), phone="3-cloud", city="Köln")
    result = Ingestor(node, records).run()
    assert {r["status"] for r in result.values()} == {"ok"}
    with scopes_disabled():
        merged = Customer.objects.get(pk=customer.pk)
        assert (merged.phone, merged.city) == ("3-cloud", "Köln")  # the cloud's edit was later
        conflict = SyncConflict.objects.get()
    assert (conflict.field, conflict.kept_value, conflict.lost_value) == ("phone", "3-cloud", "2-node")


def test_an_edit_made_after_seeing_the_other_wins_without_a_conflict(node, organization):
    customer = save_customer(actor=OWNER, organization=organization, data={"last_name": "Weber", "phone": "1"})
    records = node_records(lambda: _cloud_edit(Customer.objects.with_scopes_disabled().get(), email="a@b.de"))
    assert {r["status"] for r in Ingestor(node, records).run().values()} == {"ok"}
    with scopes_disabled():
        assert Customer.objects.get(pk=customer.pk).email == "a@b.de"
        assert not SyncConflict.objects.exists()


def test_a_node_clock_minutes_behind_still_orders_edits_it_has_seen(node, organization, monkeypatch):
    customer = save_customer(actor=OWNER, organization=organization, data={"last_name": "Weber", "phone": "1"})
    cloud_stamp = customer.sync_clocks["phone"]
    # The node's wall clock is 10 minutes behind the cloud's
    slow = HybridClock("nslow", wall=lambda: parse(cloud_stamp)[0] - 600_000)
    monkeypatch.setattr(local, "clock", lambda: slow)
    records = node_records(lambda: _cloud_edit(Customer.objects.with_scopes_disabled().get(), phone="2-later"))
    (customer_row,) = [r["rows"][0][1] for r in records if r["kind"] == "customer"]
    assert customer_row["sync_clocks"]["phone"] > cloud_stamp  # observed, so stamped later
    Ingestor(node, records).run()
    with scopes_disabled():
        assert Customer.objects.get(pk=customer.pk).phone == "2-later"
        assert not SyncConflict.objects.exists()


def test_customers_created_on_a_node_are_numbered_from_its_own_block(node, organization):
    def create_on_node():
        NodeState.objects.create(
            id=node.pk,
            organization_id=organization.pk,
            store_id=node.store_id,
            cloud_url="http://127.0.0.1:1",
            token="t",
            customer_number_base=node.customer_number_base,
        )
        save_customer(actor=OWNER, organization=organization, data={"last_name": "Neu"})

    records = node_records(create_on_node)
    save_customer(actor=OWNER, organization=organization, data={"last_name": "Cloud"})
    Ingestor(node, [r for r in records if r["kind"] == "customer"]).run()
    with scopes_disabled():
        numbers = dict(Customer.objects.values_list("last_name", "customer_number"))
    assert numbers == {"Cloud": 10001, "Neu": node.customer_number_base + 1}


def test_hlc_orders_by_time_then_counter_then_origin():
    clock = HybridClock("a", wall=lambda: 1000)
    first, second = clock.now(), clock.now()
    assert first < second
    clock.observe("0000000005000-00007-b")
    assert clock.now() == "0000000005000-00008-a"
    assert "0000000005000-00008-a" < "0000000005000-00008-b"
    with as_node():
        assert local.is_node()
    with pytest.raises(ValueError, match="origin"):
        HybridClock("with-dash")


def test_a_loyalty_card_handed_out_twice_offline_keeps_both_customers(node, organization):
    save_customer(actor=OWNER, organization=organization, data={"last_name": "Cloud", "loyalty_card_code": "K-1"})
    records = node_records(
        lambda: (
            Customer.objects.with_scopes_disabled().filter(last_name="Cloud").delete(),
            save_customer(
                actor=OWNER, organization=organization, data={"last_name": "Node", "loyalty_card_code": "K-1"}
            ),
        )
    )
    results = Ingestor(node, records).run()
    assert {r["status"] for r in results.values()} == {"ok"}
    with scopes_disabled():
        customers = {c.last_name: (c.loyalty_card_code, c.customer_number) for c in Customer.objects.all()}
        conflicts = dict(SyncConflict.objects.values_list("field", "lost_value"))
    # Both kept; card and number stay with the first, the second gets the next free number
    assert customers == {"Cloud": ("K-1", 10001), "Node": (None, 10002)}
    # (Without a NodeState the capture numbered like the cloud, so the number clashed too.)
    assert conflicts == {"loyalty_card_code": "K-1", "customer_number": 10001}


def test_a_batch_stored_again_after_a_failure_still_keeps_the_card_conflict(node, organization, monkeypatch):
    from kasse.sync.cloud import ingest

    save_customer(actor=OWNER, organization=organization, data={"last_name": "Cloud", "loyalty_card_code": "K-1"})
    records = node_records(
        lambda: (
            Customer.objects.with_scopes_disabled().filter(last_name="Cloud").delete(),
            save_customer(
                actor=OWNER, organization=organization, data={"last_name": "Node", "loyalty_card_code": "K-1"}
            ),
        )
    )
    real_insert, calls = ingest.insert_rows, []

    def fail_once(*args, **kwargs):  # the database refuses the whole batch once (say, a lost connection)
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseError("connection lost")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(ingest, "insert_rows", fail_once)
    results = Ingestor(node, records).run()
    assert {r["status"] for r in results.values()} == {"ok"}
    with scopes_disabled():
        customers = {c.last_name: c.loyalty_card_code for c in Customer.objects.all()}
        conflicts = dict(SyncConflict.objects.values_list("field", "lost_value"))
    assert customers == {"Cloud": "K-1", "Node": None}
    assert conflicts["loyalty_card_code"] == "K-1"  # settled again on the second attempt, not lost
