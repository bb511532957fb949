"""A node restored from a backup or replaced: register positions from the cloud, one node per store,
quarantined sales released by the owner, a node clock far ahead told and shown."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.models import AuditEntry
from kasse.sales.models import RegisterCounter, Sale
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, cart_total, complete_sale
from kasse.sync.cloud.positions import positions_answer
from kasse.sync.cloud.review import release_quarantined_sale
from kasse.sync.cloud.services import create_node_pairing_code
from kasse.sync.engine.protocol import PROTOCOL_VERSION
from kasse.sync.models import AnomalyKind, NodeState, StoreNode, SyncAnomaly
from kasse.sync.node.catch_up import fast_forward, mark_restored
from kasse.testing.sync import as_node, node_records, of_kind

D = Decimal
pytestmark = pytest.mark.django_db
OWNER = Actor(kind="user", label="owner")


def _sell(register, employee, product):
    with scopes_disabled():
        cart = SaleInput(id=uuid7(), lines=[LineInput(product.variants.get().pk, D(1))], payments=[])
    cart.payments = [PaymentInput("cash", cart_total(register, cart))]
    return complete_sale(actor=Actor.for_employee(employee), register=register, employee=employee, cart=cart)


def _pair(store, replaces="", give_up=False):
    with scope(organization=store.organization_id):
        code = create_node_pairing_code(actor=OWNER, store=store, give_up_waiting=give_up)
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/sync/v1/pair",
        json.dumps({"protocol": PROTOCOL_VERSION, "code": code, "name": "PC", "replaces": replaces}),
        content_type="application/json",
        HTTP_KASSE_SYNC_PROTOCOL=str(PROTOCOL_VERSION),
    )


def _client(token, backlog=None):
    extra = {"HTTP_KASSE_SYNC_BACKLOG": str(backlog)} if backlog is not None else {}
    return Client(
        HTTP_AUTHORIZATION=f"Node {token}",
        HTTP_KASSE_SYNC_PROTOCOL=str(PROTOCOL_VERSION),
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def _push(token, records):
    answer = _client(token).post(
        "/sync/v1/push", json.dumps({"protocol": PROTOCOL_VERSION, "records": records}), content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def _node_state(store, node_id):
    with scopes_disabled():
        return NodeState.objects.create(
            id=node_id,
            organization_id=store.organization_id,
            store_id=store.pk,
            cloud_url="http://127.0.0.1:1",
            token="t",
            customer_number_base=1_000_000,
        )


def test_the_cloud_says_where_each_register_stands_and_a_restored_node_continues_after_it(
    store, register, cashier, shift, rolls
):
    answer = _pair(store).json()
    sold = node_records(lambda: [_sell(register, cashier, rolls) for _ in range(3)])
    for position, record in enumerate(sold, start=1):
        record["position"] = position
    assert {r["status"] for r in _push(answer["token"], sold)["results"].values()} == {"ok"}
    positions = _client(answer["token"]).get("/sync/v1/positions").json()
    assert positions["registers"] == {str(register.pk): {"receipt": 3, "closing": 0}}
    assert positions["outbox_position"] == len(sold)
    # The node's data directory comes back from a backup taken before those sales: its counter is behind.
    _node_state(store, answer["node_id"])
    with scopes_disabled():
        RegisterCounter.objects.filter(register=register).delete()
    assert mark_restored()
    with as_node(), pytest.raises(ValidationError, match="restored from a backup"):
        _sell(register, cashier, rolls)  # no number is handed out before the cloud was asked
    assert fast_forward(positions) == {str(register.pk): 3}
    with as_node():
        assert _sell(register, cashier, rolls).receipt_number == 4
        assert fast_forward(positions) == {}  # never lowers a counter that is ahead
    with scopes_disabled():
        assert not NodeState.objects.get().needs_positions
        from kasse.sync.models import OutboxRecord

        assert OutboxRecord.objects.filter(status="pending").order_by("position").first().position == len(sold) + 1


def test_pairing_a_new_node_retires_the_old_one_and_its_credential_stops_working(store):
    old = _pair(store).json()
    assert _client(old["token"]).get("/sync/v1/positions").status_code == 200
    new = _pair(store)
    assert new.status_code == 200
    assert _client(old["token"]).get("/sync/v1/positions").status_code == 401
    assert _client(new.json()["token"]).get("/sync/v1/positions").status_code == 200
    with scopes_disabled():
        assert list(StoreNode.objects.filter(revoked_at__isnull=True).values_list("pk", flat=True)) == [
            StoreNode.objects.get(pk=new.json()["node_id"]).pk
        ]
        retired = AuditEntry.objects.get(action="sync.node.retired")
    assert retired.object_id == old["node_id"]
    assert retired.data["replaced_by"] == new.json()["node_id"]


def test_a_node_with_records_waiting_is_only_retired_when_they_come_along_or_are_given_up(store, organization):
    old = _pair(store).json()
    _client(old["token"], backlog=7).get("/sync/v1/positions")  # the node reports 7 records waiting
    refused = _pair(store)
    assert refused.status_code == 400
    assert "still has 7 records waiting" in refused.json()["detail"]
    assert _client(old["token"]).get("/sync/v1/positions").status_code == 200  # nothing changed
    foreign = _pair(store, replaces=str(uuid7()))
    assert foreign.status_code == 400
    assert "belongs to another store" in foreign.json()["detail"]
    onto_old_directory = _pair(store, replaces=old["node_id"])  # the waiting records come along
    assert onto_old_directory.status_code == 200
    assert _client(old["token"]).get("/sync/v1/positions").status_code == 401
    _client(onto_old_directory.json()["token"], backlog=3).get("/sync/v1/positions")
    assert _pair(store).status_code == 400
    given_up = _pair(store, give_up=True)
    assert given_up.status_code == 200
    with scopes_disabled():
        assert (
            AuditEntry.objects.filter(action="sync.node.retired").latest("created_at").data["waiting_given_up"] is True
        )


def test_the_owner_releases_a_quarantined_sale_under_the_next_free_number(
    store, register, cashier, shift, rolls, coffee
):
    answer = _pair(store).json()
    first = of_kind(node_records(lambda: [_sell(register, cashier, rolls) for _ in range(2)]), "sale")
    again = of_kind(node_records(lambda: _sell(register, cashier, coffee)), "sale")  # number 1 again (restored)
    _push(answer["token"], first)
    clash = _push(answer["token"], again)
    assert clash["results"][again[0]["id"]]["status"] == "quarantined"
    assert clash["positions"]["registers"][str(register.pk)]["receipt"] == 2  # the node continues after 2
    with scopes_disabled():
        anomaly = SyncAnomaly.objects.get(kind=AnomalyKind.NUMBER_CLASH)
    with scope(organization=store.organization_id):
        assert release_quarantined_sale(actor=OWNER, anomaly=anomaly) == 3
        with pytest.raises(ValidationError):
            release_quarantined_sale(actor=OWNER, anomaly=anomaly)  # once
    with scopes_disabled():
        sale = Sale.objects.get(pk=anomaly.object_id)
        anomaly.refresh_from_db()
        audit = AuditEntry.objects.get(action="sync.anomaly.released")
    assert (sale.receipt_number, sale.total) == (3, D("2.80"))
    assert anomaly.resolved_at is not None
    assert (anomaly.detail["printed_number"], anomaly.detail["booked_number"]) == (1, 3)
    assert (audit.data["printed_number"], audit.data["booked_number"]) == (1, 3)
    # The node hears at its next push that the register's numbers moved
    assert _push(answer["token"], [])["positions"]["registers"][str(register.pk)]["receipt"] == 3
    assert "positions" not in _push(answer["token"], [])


def test_the_owner_releases_from_the_anomalies_page(client, owner, store, register, cashier, shift, rolls, coffee):
    answer = _pair(store).json()
    first = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")
    again = of_kind(node_records(lambda: _sell(register, cashier, coffee)), "sale")
    _push(answer["token"], first)
    _push(answer["token"], again)
    client.force_login(owner)
    page = client.get("/nodes/anomalies/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'data-testid="release-anomaly"' in page.content
    with scopes_disabled():
        anomaly = SyncAnomaly.objects.get()
    done = client.post(f"/nodes/anomalies/{anomaly.pk}/release/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "booked under receipt number 2" in done.content.decode()
    with scopes_disabled():
        assert sorted(Sale.objects.values_list("receipt_number", flat=True)) == [1, 2]


def test_a_node_clock_far_ahead_is_told_in_the_answer_and_shown_to_the_owner(
    client, owner, store, register, cashier, shift, rolls
):
    answer = _pair(store).json()
    (record,) = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")
    record["rows"][0][1]["completed_at"] = (timezone.now() + timedelta(minutes=42)).isoformat()
    pushed = _push(answer["token"], [record])
    assert pushed["results"][record["id"]]["status"] == "ok"
    (warning,) = pushed["warnings"]
    assert warning["code"] == "clock_ahead"
    assert "41 minutes ahead" in warning["detail"] or "42 minutes ahead" in warning["detail"]
    client.force_login(owner)
    page = client.get("/nodes/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert re.search(r'data-testid="node-clock-ahead">Uhr 4[12] Min\. vor der Cloud<', page)


def test_positions_answer_counts_the_clouds_own_counters(store, register):
    with scopes_disabled():
        RegisterCounter.objects.create(
            organization_id=store.organization_id, register=register, kind="closing", last_value=12
        )
        node = StoreNode.objects.create(
            organization_id=store.organization_id,
            store=store,
            name="PC",
            token_digest="y" * 64,
            customer_number_base=1_000_000,
        )
    assert positions_answer(node)["registers"] == {str(register.pk): {"receipt": 0, "closing": 12}}


def test_the_owner_sees_a_negative_sale_that_is_not_a_return_on_the_anomalies_page(
    client, owner, store, register, cashier, shift, rolls
):
    answer = _pair(store).json()
    (record,) = of_kind(node_records(lambda: _sell(register, cashier, rolls)), "sale")
    for table, values in record["rows"]:
        for column in ("total", "amount", "gross", "net", "vat"):
            if column in values and table != "inventory.StockMovement":
                values[column] = "-" + values[column]
    assert _push(answer["token"], [record])["results"][record["id"]]["status"] == "ok"
    client.force_login(owner)
    page = client.get("/nodes/anomalies/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'data-kind="negative"' in page
    assert "Negative Summe bei einem Verkauf, der keine Rückgabe ist" in page
    assert re.search(r"<dt>Belegart</dt>\s*<dd>Verkauf</dd>", page)


def test_a_push_writes_the_nodes_row_once_after_its_records_and_never_lowers_its_position(
    store, register, cashier, shift, rolls
):
    """One commit of the node's row per request (contact, report, last push, position), after the records
    are stored: the live feed never waits for it (docs/benchmarks.md, "Sync")."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = _pair(store).json()["token"]
    sold = node_records(lambda: [_sell(register, cashier, rolls) for _ in range(2)])
    for position, record in enumerate(sold, start=5):
        record["position"] = position
    with CaptureQueriesContext(connection) as queries:
        assert {r["status"] for r in _push(token, sold)["results"].values()} == {"ok"}
    sql = [q["sql"].lower() for q in queries.captured_queries]
    node_updates = [i for i, q in enumerate(sql) if q.startswith('update "sync_storenode"')]
    assert node_updates == [len(sql) - 1]  # the one update, after everything the push stored
    with scopes_disabled():
        node = StoreNode.objects.get(revoked_at__isnull=True)
    assert node.last_position == 4 + len(sold)
    assert node.last_push_at is not None
    assert node.last_contact_at is not None
    _push(token, [{**sold[0], "position": 1}])  # an older record again: the position stays
    with scopes_disabled():
        assert StoreNode.objects.get(pk=node.pk).last_position == 4 + len(sold)
