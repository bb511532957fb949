"""TSE on a store node: devices and clients come down without secrets, the node asks the cloud for them
and keeps them in memory, it signs for its registers, and what it signed and its outages go up."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client, override_settings
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.models import AuditEntry
from kasse.fiscal import node_credentials
from kasse.fiscal.fiskaly_setup import create_fiskaly_tse, register_fiskaly_client, set_up_fiskaly_tse
from kasse.fiscal.models import Outcome, TseDevice, TseOutage, TseTransactionRecord
from kasse.fiscal.process_data import PaymentKey, PaymentKind, VatSlot
from kasse.fiscal.services import (
    Signed,
    Unsigned,
    create_development_tse,
    finish_transaction,
    register_tse_client,
    retire_tse,
    start_transaction,
)
from kasse.fiscal.syncing import SECRET_COLUMNS
from kasse.fiscal.tse.fiskaly_api import FiskalyApi
from kasse.fiscal.tse.interface import BonTyp, Receipt
from kasse.sync.cloud.feed import events_since, snapshot
from kasse.sync.engine.protocol import PROTOCOL_VERSION
from kasse.sync.models import NodeState, OutboxRecord, StoreNode
from kasse.sync.node.client import CloudClient, CloudUnreachable
from kasse.testing.factories import RegisterFactory, StoreFactory
from kasse.testing.fiskaly_server import FakeFiskaly
from kasse.testing.ports import free_port
from kasse.testing.sync import as_node, node_client, pair_node

OWNER = Actor(kind="user", label="owner")
SALE = Receipt(BonTyp.RECEIPT, {VatSlot.NORMAL: Decimal("4.20")}, {PaymentKey(PaymentKind.CASH): Decimal("4.20")})


@pytest.fixture
def token(store):
    return pair_node(store)


@pytest.fixture(autouse=True)
def _forget_credentials():
    node_credentials.forget()
    yield
    node_credentials.forget()


def _node_state(organization, store, token: str) -> None:
    """This database as the node's replica: its pairing row (the cloud is never asked over HTTP here)."""
    with scopes_disabled():
        NodeState.objects.create(
            id=uuid7(),
            organization_id=organization.pk,
            store_id=store.pk,
            cloud_url="http://127.0.0.1:9",
            token=token,
            customer_number_base=1_000_000,
        )


def _forget_in_the_cloud() -> None:
    """The records exist only on the node: gone from this database (on PostgreSQL the GoBD triggers refuse
    DELETE; TRUNCATE, which they do not cover, stands in for a cloud that never had them)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE fiscal_tsetransactionrecord, fiscal_tseoutage")
        return
    with scopes_disabled():
        TseTransactionRecord.objects.all().delete()
        TseOutage.objects.all().delete()


def _credentials(token: str) -> dict:
    answer = node_client(token).get("/sync/v1/fiscal/credentials")
    assert answer.status_code == 200, answer.content
    assert answer["Cache-Control"] == "no-store"
    return answer.json()


@pytest.mark.django_db
def test_devices_and_clients_go_down_without_secrets(organization, store, register, token):
    with scope(organization=organization):
        device = create_development_tse(organization=organization, actor=OWNER, store=store)
        fiskaly = create_fiskaly_tse(organization=organization, actor=OWNER, api_key="key", api_secret="secret")
        register_tse_client(register=register, actor=OWNER)
    with scopes_disabled():
        node = StoreNode.objects.get(store=store, revoked_at__isnull=True)
        events, _cursor, _more = events_since(node, 0, 1000)
        tables = dict(snapshot(node))
    devices = [e["row"] for e in events if e["model"] == "fiscal.TseDevice"]
    assert {row["id"] for row in devices} == {str(device.pk), str(fiskaly.pk)}
    assert {row["id"] for row in tables["fiscal.TseDevice"]} == {str(device.pk), str(fiskaly.pk)}
    for row in devices + tables["fiscal.TseDevice"]:
        assert all(row[column] == "" for column in SECRET_COLUMNS), row
        assert row["public_key"] == (device.public_key if row["id"] == str(device.pk) else "")
    clients = [e["row"] for e in events if e["model"] == "fiscal.TseClientRegistration"]
    assert [row["register_id"] for row in clients] == [str(register.pk)]
    assert [row["register_id"] for row in tables["fiscal.TseClientRegistration"]] == [str(register.pk)]
    # Records and outages are born where the register signs: never in a snapshot
    assert not tables.get("fiscal.TseTransactionRecord")
    assert not tables.get("fiscal.TseOutage")


@pytest.mark.django_db
def test_the_cloud_hands_a_node_only_its_stores_secrets_and_audits_it(organization, store, token):
    other = StoreFactory(organization=organization, number=902)
    with scope(organization=organization):
        own = create_development_tse(organization=organization, actor=OWNER, store=store)
        foreign = create_development_tse(organization=organization, actor=OWNER, store=other)
        shared = create_fiskaly_tse(organization=organization, actor=OWNER, api_key="key-1", api_secret="s3cret")
    answer = _credentials(token)["devices"]
    assert set(answer) == {str(own.pk), str(shared.pk)}
    assert answer[str(own.pk)]["dev_private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert answer[str(shared.pk)] == {"fiskaly_api_key": "key-1", "fiskaly_api_secret": "s3cret"}
    assert str(foreign.pk) not in answer
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="fiscal.tse.credentials_handed_over")
    assert entry.store_id == store.pk
    assert entry.data["devices"] == sorted([str(own.pk), str(shared.pk)])
    # A revoked node, or none, gets nothing
    with scopes_disabled():
        StoreNode.objects.filter(store=store).update(revoked_at="2026-12-07T10:00:00Z")
    assert node_client(token).get("/sync/v1/fiscal/credentials").status_code == 401
    assert Client().get("/sync/v1/fiscal/credentials").status_code == 401


@pytest.mark.django_db
def test_an_organization_wide_development_tse_does_not_sign_on_a_node(organization, store, register, token):
    with scope(organization=organization):
        create_development_tse(organization=organization, actor=OWNER)
        register_tse_client(register=register, actor=OWNER)
    assert _credentials(token)["devices"] == {}
    with as_node():
        result = start_transaction(register=register, tx_id=uuid7())
    assert isinstance(result, Unsigned)
    assert result.reason == "not_configured"


@pytest.mark.django_db(transaction=True)
def test_a_node_signs_with_the_key_from_the_cloud_and_its_records_and_outage_go_up(
    organization, store, register, token, monkeypatch
):
    with scope(organization=organization):
        device = create_development_tse(organization=organization, actor=OWNER, store=store)
        register_tse_client(register=register, actor=OWNER)
    answer = _credentials(token)
    # The node's replica holds the device without its key (as the feed brought it)
    with scopes_disabled():
        TseDevice.objects.filter(pk=device.pk).update(dev_private_key="")
        NodeState.objects.create(
            id=uuid7(),
            organization_id=organization.pk,
            store_id=store.pk,
            cloud_url="http://127.0.0.1:9",
            token=token,
            customer_number_base=1_000_000,
        )
    asked: list[str] = []
    cloud_up = [True]

    def fetch(self: CloudClient, path: str) -> dict:
        asked.append(path)
        if not cloud_up[0]:
            raise CloudUnreachable("connection refused")
        return answer

    monkeypatch.setattr(CloudClient, "fetch", fetch)
    with as_node():
        # When the node signs a sale: the key is asked for once and signing works
        first = uuid7()
        assert isinstance(start_transaction(register=register, tx_id=first), Signed)
        signed = finish_transaction(register=register, tx_id=first, receipt=SALE)
        assert isinstance(signed, Signed)
        assert signed.record.signature_counter == 2
        assert asked == ["/sync/v1/fiscal/credentials"]
        # When the credentials cannot be had (the process restarted while the line is down): unsigned,
        # an outage, the register sells on; nothing is signed later for that sale
        node_credentials.forget()
        cloud_up[0] = False
        lost = uuid7()
        assert isinstance(start_transaction(register=register, tx_id=lost), Unsigned)
        assert isinstance(finish_transaction(register=register, tx_id=lost, receipt=SALE), Unsigned)
        cloud_up[0] = True
        again = uuid7()
        assert isinstance(start_transaction(register=register, tx_id=again), Signed)
        assert isinstance(finish_transaction(register=register, tx_id=again, receipt=SALE), Signed)
    with scopes_disabled():
        outage = TseOutage.objects.get(register=register)
        assert outage.ended_at is not None
        assert outage.reason == "unreachable"
        assert "did not hand over the TSE credentials" in outage.detail
        # The counters are the node's: 4 signatures, no gap
        assert TseDevice.objects.get(pk=device.pk).dev_signature_counter == 4
        records = [
            {"id": str(r.id), "kind": r.kind, "rows": r.rows, "position": r.position}
            for r in OutboxRecord.objects.order_by("position")
        ]
    kinds = [r["kind"] for r in records]
    assert kinds.count("tse_record") == 6
    assert kinds.count("tse_outage") == 2
    # The cloud has not seen them (on a node they were born there): they arrive by push, in order
    _forget_in_the_cloud()
    push = node_client(token).post(
        "/sync/v1/push", json.dumps({"protocol": PROTOCOL_VERSION, "records": records}), content_type="application/json"
    )
    assert push.status_code == 200
    assert {r["status"] for r in push.json()["results"].values()} == {"ok"}
    with scopes_disabled():
        assert TseTransactionRecord.objects.filter(outcome=Outcome.SIGNED).count() == 4
        assert TseTransactionRecord.objects.filter(outcome=Outcome.FAILED).count() == 2
        stored = TseOutage.objects.get()
        assert stored.ended_at is not None
    # The outage's first state arriving late (a resend) never reopens it
    opened = next(r for r in records if r["kind"] == "tse_outage")
    late = {**opened, "id": str(uuid7())}
    push = node_client(token).post(
        "/sync/v1/push", json.dumps({"protocol": PROTOCOL_VERSION, "records": [late]}), content_type="application/json"
    )
    assert push.status_code == 200
    with scopes_disabled():
        assert TseOutage.objects.get().ended_at == stored.ended_at


@pytest.mark.django_db
def test_a_node_cannot_send_records_of_another_stores_register(organization, store, token):
    other_register = RegisterFactory(
        store=StoreFactory(organization=organization, number=902), organization=organization
    )
    row = {
        "id": str(uuid7()),
        "organization_id": str(organization.pk),
        "created_at": "2026-12-07T10:00:00+00:00",
        "updated_at": "2026-12-07T10:00:00+00:00",
        "register_id": str(other_register.pk),
        "device_id": None,
        "started_at": "2026-12-07T10:00:00+00:00",
        "ended_at": None,
        "reason": "unreachable",
        "detail": "",
    }
    record = {"id": str(uuid7()), "kind": "tse_outage", "rows": [["fiscal.TseOutage", row]], "position": 1}
    push = node_client(token).post(
        "/sync/v1/push",
        json.dumps({"protocol": PROTOCOL_VERSION, "records": [record]}),
        content_type="application/json",
    )
    assert push.json()["results"][record["id"]]["status"] == "rejected"
    with scopes_disabled():
        assert not TseOutage.objects.exists()


@pytest.mark.django_db
def test_a_retired_tse_signs_nothing_its_state_goes_down_and_it_is_audited(organization, store, register, token):
    with scope(organization=organization):
        device = create_development_tse(organization=organization, actor=OWNER, store=store)
        register_tse_client(register=register, actor=OWNER)
        retire_tse(device=device, actor=OWNER)
        assert retire_tse(device=device, actor=OWNER).state == "retired"  # once; never back
    with scopes_disabled():
        node = StoreNode.objects.get(store=store, revoked_at__isnull=True)
        events, _cursor, _more = events_since(node, 0, 1000)
        assert AuditEntry.objects.filter(action="fiscal.tse.retired").count() == 1
    assert [e["row"]["state"] for e in events if e["model"] == "fiscal.TseDevice"][-1] == "retired"
    assert _credentials(token)["devices"] == {}
    result = start_transaction(register=register, tx_id=uuid7())
    assert isinstance(result, Unsigned)
    assert result.reason == "not_configured"


@pytest.mark.django_db(transaction=True)
def test_on_a_node_a_fiskaly_tse_out_of_reach_is_an_outage_and_the_register_sells_on(
    organization, store, register, token, monkeypatch
):
    FiskalyApi.forget_tokens()
    timeouts = {"KASSE_FISKALY_TX_TIMEOUT": 1.0, "KASSE_FISKALY_AUTH_TIMEOUT": 1.0, "KASSE_FISKALY_SETUP_TIMEOUT": 5.0}
    with FakeFiskaly() as fake, override_settings(KASSE_FISKALY_BASE_URL=fake.url, **timeouts):
        with scope(organization=organization):
            created = create_fiskaly_tse(
                organization=organization, actor=OWNER, store=store, api_key="key", api_secret="secret"
            )
        device = set_up_fiskaly_tse(device=created, actor=OWNER)
        register_fiskaly_client(register=register, actor=OWNER)
        answer = _credentials(token)
        # The node's replica: the device without any secret; the node asks the cloud (here: its answer)
        with scopes_disabled():
            TseDevice.objects.filter(pk=device.pk).update(**dict.fromkeys(SECRET_COLUMNS, ""))
        monkeypatch.setattr(CloudClient, "fetch", lambda self, path: answer)
        _node_state(organization, store, token)
        with as_node():
            first = uuid7()
            assert isinstance(start_transaction(register=register, tx_id=first), Signed)
            assert isinstance(finish_transaction(register=register, tx_id=first, receipt=SALE), Signed)
            # The shop's internet goes down: fiskaly is out of reach; the register waits at most the timeout
            FiskalyApi.forget_tokens()
            with override_settings(KASSE_FISKALY_BASE_URL=f"http://127.0.0.1:{free_port()}/api/v2"):
                lost = uuid7()
                began = time.monotonic()
                assert isinstance(start_transaction(register=register, tx_id=lost), Unsigned)
                assert isinstance(finish_transaction(register=register, tx_id=lost, receipt=SALE), Unsigned)
                assert time.monotonic() - began < 2 * 1.0 + 1.5
            # The line is back: the next sale is signed and ends the outage; the lost one stays unsigned
            again = uuid7()
            assert isinstance(start_transaction(register=register, tx_id=again), Signed)
            assert isinstance(finish_transaction(register=register, tx_id=again, receipt=SALE), Signed)
    FiskalyApi.forget_tokens()
    with scopes_disabled():
        outage = TseOutage.objects.get(register=register)
        assert outage.reason == "unreachable"
        assert outage.ended_at is not None
        lost_records = list(TseTransactionRecord.objects.filter(tx_id=lost).values_list("outcome", flat=True))
        assert lost_records == [Outcome.FAILED, Outcome.FAILED]
        assert OutboxRecord.objects.filter(kind="tse_outage").count() == 2
    assert all(method != "PUT" or "/tx/" not in path or str(lost) not in path for method, path, _s in fake.requests)
