"""Two registers taking the last uses of a coupon at the same moment on PostgreSQL: never more uses than
its limit (checkout locks the coupon's promotion before it counts)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.promotions.services import save_promotion
from kasse.sales.models import Sale
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.errors import SaleError
from kasse.sales.services.shifts import open_shift
from kasse.testing.factories import RegisterFactory

pytestmark = []
LIMIT = 3
TRIES = 4  # per register: 8 tries at 3 uses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_registers_never_use_a_coupon_more_often_than_its_limit(store, cashier, coffee, organization):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgres://…): SQLite serializes every write")
    with scopes_disabled():
        save_promotion(
            actor=Actor.system(),
            organization=organization,
            data={
                "name": "Drei",
                "kind": "amount",
                "amount": Decimal("1.00"),
                "coupon_code": "DREI",
                "max_uses": LIMIT,
            },
        )
        registers = [RegisterFactory(store=store, organization=organization, number=n) for n in (1, 2)]
        for register in registers:
            open_shift(actor=Actor.system(), register=register, employee=cashier, count={"20": 5})
        variant = coffee.variants.get()
    barrier = threading.Barrier(2)
    sold: list[object] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def sell(register) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(TRIES):
                cart = SaleInput(
                    id=uuid7(),
                    lines=[LineInput(variant.pk, Decimal(1))],
                    payments=[PaymentInput("cash", Decimal("5.00"))],
                    coupon_codes=["DREI"],
                )
                try:
                    with scopes_disabled():
                        sold.append(complete_sale(actor=Actor.system(), register=register, employee=cashier, cart=cart))
                except SaleError as exc:
                    refused.append(str(exc))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sell, args=(r,)) for r in registers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert (len(sold), len(refused)) == (LIMIT, 2 * TRIES - LIMIT)
    with scopes_disabled():
        assert Sale.objects.filter(lines__promotion__coupon_code="DREI").distinct().count() == LIMIT
        assert {str(s.total) for s in Sale.objects.all()} == {"1.80"}


@pytest.mark.django_db
def test_two_nodes_offline_both_taking_the_last_use_are_both_kept_and_the_second_is_flagged(
    node, register, cashier, shift, coffee, organization
):
    # Each offline node counts only the uses it knows; the cloud keeps both sales and shows the owner.
    from kasse.sync.cloud.ingest import Ingestor
    from kasse.sync.models import AnomalyKind, SyncAnomaly
    from kasse.testing.sync import node_records, of_kind

    with scopes_disabled():
        save_promotion(
            actor=Actor.system(),
            organization=organization,
            data={"name": "Letzter", "kind": "amount", "amount": Decimal("1.00"), "coupon_code": "LAST", "max_uses": 1},
        )
        variant = coffee.variants.get()

    def sell(number: int) -> None:
        cart = SaleInput(
            id=uuid7(),
            lines=[LineInput(variant.pk, Decimal(1))],
            payments=[PaymentInput("cash", Decimal("1.80"))],
            coupon_codes=["LAST"],
        )
        with scopes_disabled():
            complete_sale(actor=Actor.system(), register=register, employee=cashier, cart=cart)

    (first,) = of_kind(node_records(lambda: sell(1)), "sale")
    (second,) = of_kind(node_records(lambda: sell(2)), "sale")  # this node never saw the first
    second_sale = next(values for table, values in second["rows"] if table == "sales.Sale")
    second_sale["receipt_number"] = 2
    assert Ingestor(node, [first]).run()[first["id"]]["status"] == "ok"
    assert Ingestor(node, [second]).run()[second["id"]]["status"] == "ok"
    with scopes_disabled():
        assert Sale.objects.count() == 2  # never drops a sale that happened
        flagged = list(SyncAnomaly.objects.values_list("kind", "object_id", "detail"))
    assert flagged == [(AnomalyKind.COUPON, second_sale["id"], {"coupon": "LAST", "uses": 2, "max_uses": 1})]
