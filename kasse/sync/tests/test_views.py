"""The cloud's sync endpoints: pairing, protocol versions, credentials, what a node may see."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from kasse.catalog.services import save_product, set_store_price
from kasse.core.actors import Actor
from kasse.sync.cloud.services import create_node_pairing_code, revoke_node
from kasse.sync.engine.protocol import PROTOCOL_VERSION
from kasse.sync.models import ChangeEvent, StoreNode
from kasse.testing.factories import OrganizationFactory, StoreFactory
from kasse.testing.sync import node_records

pytestmark = pytest.mark.django_db
OWNER = Actor(kind="user", label="owner")


def _pair(client, store, protocol=PROTOCOL_VERSION):
    with scope(organization=store.organization_id):
        code = create_node_pairing_code(actor=OWNER, store=store)
    return client.post(
        "/sync/v1/pair",
        json.dumps({"protocol": protocol, "code": code, "name": "Laden-PC"}),
        content_type="application/json",
        HTTP_KASSE_SYNC_PROTOCOL=str(protocol),
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _node_client(token, protocol=PROTOCOL_VERSION):
    return Client(HTTP_AUTHORIZATION=f"Node {token}", HTTP_KASSE_SYNC_PROTOCOL=str(protocol), HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def paired(store):
    answer = _pair(Client(), store)
    assert answer.status_code == 200
    return answer.json()


def test_pairing_gives_a_credential_once_and_uses_up_the_code(store):
    with scope(organization=store.organization_id):
        code = create_node_pairing_code(actor=OWNER, store=store)
    body = json.dumps({"protocol": PROTOCOL_VERSION, "code": code.lower().replace("-", " "), "name": ""})
    first = Client(HTTP_ACCEPT_LANGUAGE="en").post("/sync/v1/pair", body, content_type="application/json")
    assert first.status_code == 200
    assert first.json()["token"].startswith("kn_")
    again = Client(HTTP_ACCEPT_LANGUAGE="en").post("/sync/v1/pair", body, content_type="application/json")
    assert again.status_code == 400
    assert "unknown, used or expired" in again.json()["detail"]
    with scopes_disabled():
        node = StoreNode.objects.get()
        assert node.token_digest != first.json()["token"]  # stored hashed
        assert node.name == store.name


def test_another_protocol_version_is_refused_with_a_clear_message_and_nothing_changes(store, paired):
    client = _node_client(paired["token"], protocol=PROTOCOL_VERSION + 1)
    before = ChangeEvent.objects.with_scopes_disabled().count()
    answer = client.post(
        "/sync/v1/push", json.dumps({"protocol": PROTOCOL_VERSION + 1, "records": []}), content_type="application/json"
    )
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    assert f"protocol {PROTOCOL_VERSION + 1}" in detail
    assert "Please update the cloud." in detail
    assert ChangeEvent.objects.with_scopes_disabled().count() == before
    missing = Client(HTTP_AUTHORIZATION=f"Node {paired['token']}").get("/sync/v1/changes?since=0")
    assert missing.status_code == 400
    assert _pair(Client(), store, protocol=PROTOCOL_VERSION + 1).status_code == 409


def test_a_revoked_or_unknown_credential_gets_nothing(store, paired):
    client = _node_client(paired["token"])
    assert client.get("/sync/v1/changes?since=0").status_code == 200
    with scopes_disabled():
        node = StoreNode.objects.get()
    revoke_node(actor=OWNER, node=node)
    assert client.get("/sync/v1/changes?since=0").status_code == 401
    assert _node_client("kn_wrong").get("/sync/v1/snapshot").status_code == 401


def test_a_node_reads_only_its_organization_and_its_store(organization, store, paired):
    other_store = StoreFactory(organization=organization, number=2)
    other_org = OrganizationFactory()
    with scope(organization=organization):
        product = save_product(actor=OWNER, organization=organization, data={"name": "Brot", "price": "3.20"})
        with scopes_disabled():
            variant = product.variants.get()
        set_store_price(actor=OWNER, store=store, variant=variant, price="3.00")
        set_store_price(actor=OWNER, store=other_store, variant=variant, price="3.50")
    with scope(organization=other_org):
        save_product(actor=OWNER, organization=other_org, data={"name": "Fremd", "price": "1.00"})
    feed = _node_client(paired["token"]).get("/sync/v1/changes?since=0").json()
    models = [e["model"] for e in feed["events"]]
    assert "catalog.Product" in models
    prices = [e["row"]["price"] for e in feed["events"] if e["model"] == "catalog.StorePrice"]
    assert prices == ["3.00"]  # not the other store's 3.50
    names = [e["row"]["name"] for e in feed["events"] if e["model"] == "catalog.Product"]
    assert names == ["Brot"]
    assert feed["cursor"] >= max(e["seq"] for e in feed["events"])
    snapshot = _node_client(paired["token"]).get("/sync/v1/snapshot").json()
    tables = dict((label, rows) for label, rows in snapshot["tables"])
    assert [r["name"] for r in tables["catalog.Product"]] == ["Brot"]
    assert {r["id"] for r in tables["tenancy.Organization"]} == {str(organization.pk)}


def test_push_over_http_answers_per_record(organization, store, register, paired, shift, rolls):
    from decimal import Decimal

    from kasse.core.ids import uuid7
    from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale

    employee = shift.opened_by
    with scopes_disabled():
        variant = rolls.variants.get()

    def sell():
        complete_sale(
            actor=OWNER,
            register=register,
            employee=employee,
            cart=SaleInput(
                id=uuid7(), lines=[LineInput(variant.pk, Decimal(2))], payments=[PaymentInput("cash", Decimal(1))]
            ),
        )

    records = node_records(sell)
    client = _node_client(paired["token"])
    answer = client.post(
        "/sync/v1/push",
        json.dumps({"protocol": PROTOCOL_VERSION, "records": records}),
        content_type="application/json",
        HTTP_KASSE_SYNC_BACKLOG="7",
    )
    assert {r["status"] for r in answer.json()["results"].values()} == {"ok"}
    bad = client.post("/sync/v1/push", b"{not json", content_type="application/json")
    assert bad.status_code == 400
    with scopes_disabled():
        assert StoreNode.objects.get().last_backlog == 7


def test_a_push_larger_than_djangos_upload_limit_is_taken_and_one_larger_than_the_protocols_refused(
    organization, store, paired, monkeypatch
):
    from django.conf import settings

    from kasse.core.ids import uuid7
    from kasse.core.models import AuditEntry
    from kasse.sync.cloud import views

    def audit_record(size):
        entry = {
            "id": str(uuid7()),
            "organization_id": str(organization.pk),
            "created_at": "2026-11-29T10:00:00+00:00",
            "action": "note",
            "actor_user_id": None,
            "actor_label": "Kim",
            "object_type": "",
            "object_id": "",
            "data": {"text": "ä" * size},
        }
        return {"id": str(uuid7()), "kind": "audit", "rows": [["core.AuditEntry", entry]]}

    client = _node_client(paired["token"])
    big = audit_record(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)  # a thousand sales are this large, and more
    answer = client.post(
        "/sync/v1/push", json.dumps({"protocol": PROTOCOL_VERSION, "records": [big]}), content_type="application/json"
    )
    assert answer.json()["results"][big["id"]]["status"] == "ok"
    monkeypatch.setattr(views, "MAX_BODY_BYTES", 1 << 20)
    too_big = audit_record(1 << 20)
    answer = client.post(
        "/sync/v1/push",
        json.dumps({"protocol": PROTOCOL_VERSION, "records": [too_big]}),
        content_type="application/json",
    )
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"
    assert "fewer records" in answer.json()["detail"]
    with scopes_disabled():
        assert not AuditEntry.objects.filter(pk=too_big["rows"][0][1]["id"]).exists()
