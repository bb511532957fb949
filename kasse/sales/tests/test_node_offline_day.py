"""A store node that sells a whole day without the cloud, then syncs (issue 14's tests): with the development
TSE on the node (its key handed over before the line went down, kept in the node process's memory) every
Vorgang of the day is signed on the node, gapless; the Z report is closed offline; when the line is back the
node's outbox reaches the cloud, and the cloud's receipts and DSFinV-K export show the day as signed. With a
TSE the node cannot reach (fiskaly in the cloud), the same day is sold unsigned: one outage from the first
Vorgang, "Sicherheitseinrichtung ausgefallen" on every receipt and TSE_TA_FEHLER in the export.

One database plays both sides: the day is written as the node writes it (``as_node``: outbox records), the
rows the node wrote are then removed from it (a cloud that never had them) and arrive by ``/sync/v1/push``.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.fiscal import node_credentials
from kasse.fiscal.models import TseDevice, TseOutage, TseTransactionRecord
from kasse.fiscal.services import create_development_tse, register_tse_client
from kasse.sales.dsfinvk.export import closings
from kasse.sales.fiscal_signing import sign_abort, sign_sale
from kasse.sales.models import Sale
from kasse.sales.receipt import build_receipt
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.sales.services.shifts import close_shift, open_shift, record_cash_movement
from kasse.sales.tests.dsfinvk_check import export_zip, read_export
from kasse.sync.engine.protocol import PROTOCOL_VERSION
from kasse.sync.models import NodeState, OutboxRecord
from kasse.sync.node.client import CloudClient, CloudUnreachable
from kasse.testing.sync import as_node, node_client, pair_node

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
OWNER = Actor(kind="user", label="owner")


@pytest.fixture
def token(store):
    return pair_node(store)


@pytest.fixture(autouse=True)
def _forget_credentials():
    node_credentials.forget()
    yield
    node_credentials.forget()


@pytest.fixture
def offline_node(organization, store, register, token, monkeypatch):
    """The node's replica of a store with a development TSE: the device without its key (as the feed brings
    it), the key handed over once in the morning, then the line is down for the rest of the day."""
    with scope(organization=organization):
        device = create_development_tse(organization=organization, actor=OWNER, store=store)
        register_tse_client(register=register, actor=OWNER)
    answer = node_client(token).get("/sync/v1/fiscal/credentials").json()
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
    handed: list[str] = []

    def fetch(self: CloudClient, path: str) -> dict:
        if handed:
            raise CloudUnreachable("the internet is down")
        handed.append(path)
        return answer

    monkeypatch.setattr(CloudClient, "fetch", fetch)
    return device


def _variant(product):
    with scopes_disabled():
        return product.variants.get()


def _sale(register, employee, product, qty, method="cash", amount="50"):
    sale = complete_sale(
        actor=Actor.for_employee(employee),
        register=register,
        employee=employee,
        cart=SaleInput(
            id=uuid7(),
            lines=[LineInput(_variant(product).pk, D(qty))],
            payments=[PaymentInput(method, D(amount))],
        ),
    )
    sign_sale(sale)
    return sale


def _day_on_the_node(register, cashier, manager, coffee, rolls) -> dict:
    """The float, eight sales (cash and card), a return, a cart given up, cash in and out, the Z report."""
    with as_node():
        shift = open_shift(actor=Actor.for_employee(cashier), register=register, employee=cashier, count={"20": 5})
        sales = [_sale(register, cashier, coffee if n % 2 else rolls, 1 + n % 3) for n in range(6)]
        sales += [_sale(register, cashier, coffee, 1, method="card", amount="2.80") for _ in range(2)]
        with scopes_disabled():
            line = sales[1].lines.get()
        back = refund_sale(
            actor=Actor.for_employee(cashier),
            register=register,
            employee=cashier,
            original=sales[1],
            lines=[RefundLineInput(line.pk, D("1"))],
            refund_id=uuid7(),
        )
        sign_sale(back)
        aborted = uuid7()
        sign_abort(register=register, cart_id=aborted, gross={1: D("2.80")})
        for kind, amount in (("pay_in", D("20")), ("pay_out", D("-7.50"))):
            record_cash_movement(
                actor=Actor.system(), shift=shift, employee=manager, kind=kind, amount=abs(amount), reason="Kasse"
            )
        with scopes_disabled():
            cash_sales = sum((s.total for s in sales if s.payments.get().method == "cash"), D(0))
        expected = D(100) + cash_sales + back.total + D("12.50")  # float, sales, the return, cash in and out
        closed = close_shift(actor=Actor.system(), shift=shift, employee=cashier, count={"0.01": int(expected * 100)})
        with scopes_disabled():
            records = [
                {"id": str(r.id), "kind": r.kind, "rows": r.rows, "position": r.position}
                for r in OutboxRecord.objects.order_by("position")
            ]
    return {"shift": closed, "sales": sales, "back": back, "aborted": aborted, "records": records}


def _forget_in_the_cloud(records: list[dict]) -> None:
    """Remove every row the node wrote: a cloud that never had them (GoBD triggers and foreign keys are
    switched off for this test-only step; the rows come back by push)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
        with scopes_disabled():
            for record in records:
                for label, values, *_meta in record["rows"]:
                    apps.get_model(label)._base_manager.filter(pk=values["id"])._raw_delete(connection.alias)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("PRAGMA foreign_keys = ON")


def _push(token: str, records: list[dict]) -> None:
    answer = node_client(token).post(
        "/sync/v1/push", json.dumps({"protocol": PROTOCOL_VERSION, "records": records}), content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    assert {r["status"] for r in answer.json()["results"].values()} == {"ok"}


def test_a_node_offline_for_a_day_signs_every_vorgang_and_the_cloud_exports_the_day_signed(
    organization, register, cashier, manager, coffee, rolls, token, offline_node
):
    day = _day_on_the_node(register, cashier, manager, coffee, rolls)
    with scopes_disabled():
        signed_on_node = list(TseTransactionRecord.objects.filter(outcome="signed").order_by("signature_counter"))
        assert not TseTransactionRecord.objects.filter(outcome="failed").exists()
        assert not TseOutage.objects.exists()  # the key was in memory: the TSE never failed
    counters = [r.signature_counter for r in signed_on_node]
    # float, 8 sales, the return, the cancel, two cash movements: each a start and an end
    assert counters == list(range(1, 27))

    # The line is back: what the node wrote reaches the cloud
    _forget_in_the_cloud(day["records"])
    with scopes_disabled():
        assert not Sale.objects.exists()
        assert not TseTransactionRecord.objects.exists()
    _push(token, day["records"])

    with scopes_disabled():
        assert Sale.objects.count() == 9
        cloud_counters = sorted(
            TseTransactionRecord.objects.filter(outcome="signed").values_list("signature_counter", flat=True)
        )
        receipt = build_receipt(Sale.objects.select_related("store", "register").get(pk=day["sales"][0].pk))
    assert cloud_counters == counters  # gapless in the cloud too
    # The receipt the cloud serves (digital receipt, e-mail, reprint) carries the node's signature
    finish = next(r for r in signed_on_node if r.tx_id == day["sales"][0].pk and r.operation == "finish")
    assert receipt.fiscal is not None
    assert finish.signature in receipt.fiscal.qr_payload
    assert not any("ausgefallen" in line for line in receipt.fiscal.lines)

    with scope(organization=organization):
        today = timezone.localdate()
        files = read_export(export_zip(closings([register], today, today)))
    (closing,) = files["cashpointclosing.csv"]
    assert closing["Z_NR"] == "1"
    kinds = {row["BON_ID"]: row["BON_TYP"] for row in files["transactions.csv"]}
    assert {str(s.pk) for s in day["sales"]} | {str(day["back"].pk), str(day["aborted"])} <= set(kinds)
    assert kinds[str(day["aborted"])] == "AVBelegabbruch"
    assert sum(1 for kind in kinds.values() if kind == "AVTransfer") >= 3  # the float, cash in, cash out
    tse = files["transactions_tse.csv"]
    assert tse
    assert all(row["TSE_TA_SIG"] and not row["TSE_TA_FEHLER"] for row in tse)
    assert sorted(int(row["TSE_TA_SIGZ"]) for row in tse) == [c for c in counters if c % 2 == 0]  # the ends


def test_a_node_offline_for_a_day_with_a_tse_out_of_reach_sells_unsigned_and_the_export_says_so(
    organization, store, register, cashier, manager, coffee, rolls, token, monkeypatch
):
    # The TSE is in the cloud (here: the credentials can never be had while the line is down)
    with scope(organization=organization):
        create_development_tse(organization=organization, actor=OWNER, store=store)
        register_tse_client(register=register, actor=OWNER)
    with scopes_disabled():
        TseDevice.objects.update(dev_private_key="")
        NodeState.objects.create(
            id=uuid7(),
            organization_id=organization.pk,
            store_id=store.pk,
            cloud_url="http://127.0.0.1:9",
            token=token,
            customer_number_base=1_000_000,
        )

    def down(self: CloudClient, path: str) -> dict:
        raise CloudUnreachable("the internet is down")

    monkeypatch.setattr(CloudClient, "fetch", down)
    day = _day_on_the_node(register, cashier, manager, coffee, rolls)
    with scopes_disabled():
        assert not TseTransactionRecord.objects.filter(outcome="signed").exists()
        (outage,) = TseOutage.objects.all()
    assert outage.ended_at is None  # still out at the end of the day; its start is the first Vorgang's
    _forget_in_the_cloud(day["records"])
    _push(token, day["records"])

    with scopes_disabled():
        assert Sale.objects.count() == 9
        stored = TseOutage.objects.get()
        receipt = build_receipt(Sale.objects.select_related("store", "register").get(pk=day["sales"][0].pk))
    assert stored.started_at == outage.started_at
    assert receipt.fiscal is not None
    assert any("ausgefallen" in line for line in receipt.fiscal.lines)
    assert receipt.fiscal.qr_payload == ""
    with scope(organization=organization):
        today = timezone.localdate()
        files = read_export(export_zip(closings([register], today, today)))
    tse = {row["BON_ID"]: row for row in files["transactions_tse.csv"]}
    for sale in day["sales"]:
        assert tse[str(sale.pk)]["TSE_TA_SIG"] == ""
        assert "unreachable" in tse[str(sale.pk)]["TSE_TA_FEHLER"]
    totals = {row["BON_ID"]: row["UMS_BRUTTO"] for row in files["transactions.csv"]}
    assert totals[str(day["sales"][0].pk)] == f"{day['sales'][0].total}".replace(".", ",")
