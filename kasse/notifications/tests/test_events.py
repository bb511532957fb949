"""Publishing: each event once, after the commit of what caused it, in the cloud; never failing a sale."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.db import transaction
from django_scopes import scope, scopes_disabled

from kasse.catalog.services import save_product
from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.customers.services import save_customer
from kasse.notifications import tasks
from kasse.notifications.models import Event
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sales.services.refunds import RefundLineInput, refund_sale
from kasse.sales.services.shifts import close_shift, open_shift
from kasse.sync.cloud.ingest import Ingestor
from kasse.testing.sync import node_records, of_kind

pytestmark = pytest.mark.django_db


def _sell(register, employee, product, pay="10.00"):
    with scope(organization=register.organization):
        return complete_sale(
            actor=Actor.for_employee(employee),
            register=register,
            employee=employee,
            cart=SaleInput(
                id=uuid7(),
                lines=[LineInput(product.variants.get().pk, Decimal(1))],
                payments=[PaymentInput("cash", Decimal(pay))],
            ),
        )


def _events() -> list[Event]:
    with scopes_disabled():
        return list(Event.objects.order_by("occurred_at", "kind"))


def test_a_sale_in_the_cloud_is_published_once_after_its_commit(
    register, cashier, shift, rolls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sale = _sell(register, cashier, rolls)
        assert _events() == []  # nothing before the commit
    assert len(callbacks) >= 1
    (event,) = _events()
    assert (event.kind, event.store_id, event.organization_id) == (
        "sale.completed",
        register.store_id,
        sale.organization_id,
    )
    assert event.payload == {
        "sale_id": str(sale.pk),
        "kind": "sale",
        "register_id": str(register.pk),
        "receipt_number": sale.receipt_number,
        "employee": "Clara",
        "customer_id": None,
        "original_sale_id": None,
        "currency": "EUR",
        "total": "0.45",
        "completed_at": sale.completed_at.isoformat(),
    }


def test_a_sale_that_rolls_back_publishes_nothing(register, cashier, shift, rolls, django_capture_on_commit_callbacks):
    with (  # noqa: PT012 (the sale and the failure after it are the one thing under test)
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _sell(register, cashier, rolls)
        raise RuntimeError("the request failed after the sale")
    assert _events() == []


def test_a_refund_and_a_closed_shift_are_published_with_the_cash_difference(
    register, cashier, manager, shift, rolls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sale = _sell(register, cashier, rolls)
    with django_capture_on_commit_callbacks(execute=True), scope(organization=register.organization):
        refund_sale(
            actor=Actor.for_employee(manager),
            register=register,
            employee=manager,
            original=sale,
            lines=[RefundLineInput(sale.lines.get().pk, Decimal(1))],
            refund_id=uuid7(),
            tender="cash",
        )
        close_shift(actor=Actor.for_employee(cashier), shift=shift, employee=cashier, count={"20": 5, "0.20": 1})
    kinds = [e.kind for e in _events()]
    assert kinds == ["sale.completed", "refund.created", "shift.closed"]
    refund, closed = _events()[1:]
    assert (refund.payload["kind"], refund.payload["total"], refund.payload["original_sale_id"]) == (
        "refund",
        "-0.45",
        str(sale.pk),
    )
    assert closed.payload["z_number"] == 1
    assert (closed.payload["expected_cash"], closed.payload["counted_cash"], closed.payload["cash_difference"]) == (
        "100.00",
        "100.20",
        "0.20",
    )


def test_a_node_publishes_nothing_and_the_cloud_publishes_its_upload_once(
    node, register, cashier, rolls, django_capture_on_commit_callbacks
):
    def offline_day():
        shift = open_shift(actor=Actor.for_employee(cashier), register=register, employee=cashier, count={})
        _sell(register, cashier, rolls, pay="0.45")
        close_shift(actor=Actor.for_employee(cashier), shift=shift, employee=cashier, count={"0.20": 2})

    records = node_records(offline_day)
    assert _events() == []
    with django_capture_on_commit_callbacks(execute=True):
        Ingestor(node, records).run()
    assert sorted(e.kind for e in _events()) == ["sale.completed", "shift.closed"]
    closed = next(e for e in _events() if e.kind == "shift.closed")
    assert closed.payload["cash_difference"] == "-0.05"
    with django_capture_on_commit_callbacks(execute=True):
        Ingestor(node, records + records).run()  # sent again: stored once, published once
    assert len(_events()) == 2


def test_a_shift_open_in_the_cloud_and_closed_by_its_node_is_published_when_the_closing_arrives(
    node, register, cashier, django_capture_on_commit_callbacks
):
    def offline_day():
        shift = open_shift(actor=Actor.for_employee(cashier), register=register, employee=cashier, count={})
        close_shift(actor=Actor.for_employee(cashier), shift=shift, employee=cashier, count={})

    records = node_records(offline_day)
    opened, closing = of_kind(records, "shift")
    with django_capture_on_commit_callbacks(execute=True):
        Ingestor(node, [opened]).run()
    assert _events() == []
    with django_capture_on_commit_callbacks(execute=True):
        Ingestor(node, [closing]).run()
        Ingestor(node, [closing]).run()
    assert [e.kind for e in _events()] == ["shift.closed"]


def test_customers_and_products_publish_created_and_changed(
    organization, owner, rolls, django_capture_on_commit_callbacks
):
    actor = Actor.for_user(owner)
    with django_capture_on_commit_callbacks(execute=True):
        customer = save_customer(actor=actor, organization=organization, data={"last_name": "Weber"})
    with django_capture_on_commit_callbacks(execute=True):
        save_customer(actor=actor, organization=organization, data={"last_name": "Weber"}, customer=customer)
        save_customer(actor=actor, organization=organization, data={"city": "Köln"}, customer=customer)
        save_product(actor=actor, organization=organization, data={"name": "Roggenbrötchen"}, product=rolls)
    events = _events()
    assert [e.kind for e in events] == ["customer.created", "customer.updated", "product.updated"]
    assert events[1].payload["city"] == "Köln"
    assert "notes" not in events[1].payload
    assert events[2].payload["name"] == "Roggenbrötchen"
    with scopes_disabled():
        assert events[2].payload["variants"][0]["sku"] == rolls.variants.get().sku


def test_a_broken_task_queue_never_fails_the_sale(
    register, cashier, shift, rolls, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    class Broken:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("task database gone")

    monkeypatch.setattr(tasks, "dispatch_events", Broken())
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        sale = _sell(register, cashier, rolls)
    assert sale.pk is not None
    assert _events() == []
    assert "could not enqueue event sale.completed" in caplog.text


def test_an_unknown_event_is_a_programming_error(organization):
    from kasse.notifications.events import publish

    with pytest.raises(ValueError, match="unknown event"):
        publish("sale.exploded", organization, None, {})


def _give_up_a_cart(register, cashier, rolls, training=False):
    from kasse.register.services import cart as carts

    with scope(organization=register.organization):
        cart = carts.active_cart(register, cashier)
        if training:
            cart.training = True
            cart.save()
        with scopes_disabled():
            variant = rolls.variants.get()
        carts.add_variant(cart=cart, variant=variant, quantity=Decimal(3))
        carts.cancel_cart(actor=Actor.for_employee(cashier), cart=cart)


def test_a_cart_given_up_with_items_is_published_once_in_the_cloud_and_once_from_a_node(
    node, owner, register, cashier, shift, rolls, django_capture_on_commit_callbacks, monkeypatch
):
    # the cart's TSE start runs on a thread after the commit; not what this test is about, and a thread
    # still writing when the next test starts locks SQLite's tables under it
    monkeypatch.setattr("kasse.register.services.cart.start_in_background", lambda **kwargs: None)
    with django_capture_on_commit_callbacks(execute=True):
        _give_up_a_cart(register, cashier, rolls)
        _give_up_a_cart(register, cashier, rolls, training=True)  # training: no business event
    (aborted,) = _events()
    assert aborted.kind == "receipt.aborted"
    assert (aborted.payload["items"], aborted.payload["total"], aborted.payload["employee"]) == (
        1, "1.35", cashier.display_name,
    )  # fmt: skip
    from django.utils import translation

    from kasse.notifications.centre import describe
    from kasse.notifications.models import Notification

    with scopes_disabled(), translation.override("de"):
        (note,) = Notification.objects.filter(kind="receipt.aborted")  # the owner's, on by default
        assert describe(note) == f"Bon mit 1 Artikel über 1,35 € abgebrochen ({cashier.display_name})"
    records = node_records(lambda: _give_up_a_cart(register, cashier, rolls))
    assert len(_events()) == 1  # the node publishes nothing itself
    with django_capture_on_commit_callbacks(execute=True):
        Ingestor(node, records).run()
        Ingestor(node, records).run()  # sent again: published once
    assert [e.kind for e in _events()] == ["receipt.aborted", "receipt.aborted"]


def test_a_payload_is_taken_as_json_gives_it_back_when_published():
    """Plain values are copied as they are (an upload's sales), others go through JSON (decimals, times,
    UUIDs, choices, keys that are no text); either way a later change to the payload changes nothing."""
    import json
    from datetime import UTC, datetime

    from django.core.serializers.json import DjangoJSONEncoder

    from kasse.notifications.events import _as_json
    from kasse.sales.models import SaleKind

    when = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    for payload in (
        {"sale_id": str(uuid7()), "receipt_number": 7, "training": False, "customer_id": None, "total": "9.50"},
        {"total": Decimal("9.50"), "at": when, "id": uuid7(), "kind": SaleKind.SALE, 3: "three"},
    ):
        taken = _as_json(payload)
        assert taken == json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
        assert [type(v) for v in taken.values()] == [type(v) for v in json.loads(json.dumps(taken)).values()]
        payload["total"] = "changed"
        assert taken["total"] == "9.50"


def test_a_batch_hands_on_what_committed_in_order_with_one_callback_per_savepoint(
    organization, store, django_capture_on_commit_callbacks, monkeypatch
):
    """Inside ``publishing_batch()`` the events published under the same savepoints share one on-commit
    callback (an upload's hundreds of sales: one, not one each); a savepoint rolled back loses its events
    and no other; what is handed on keeps the order of publishing and one time for all."""
    from django.db import connection

    from kasse.notifications import events

    handed: list[list[dict]] = []
    monkeypatch.setattr(events, "_enqueue", handed.append)

    def publish(number: int) -> None:
        events.publish("sale.completed", organization, store, {"receipt_number": number})

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
        events.publishing_batch(),
    ):
        publish(1)
        publish(2)
        hooks = len(connection.run_on_commit)
        try:
            with transaction.atomic():
                publish(3)
                raise RuntimeError
        except RuntimeError:
            pass
        publish(4)
        with transaction.atomic():
            publish(5)
        publish(6)
    assert hooks == 1
    assert len(callbacks) == 5  # 1 and 2; 4; 5; 6; the hand-on (the rolled back 3 left none)
    [messages] = handed
    assert [m["payload"]["receipt_number"] for m in messages] == [1, 2, 4, 5, 6]
    assert len({m["occurred_at"] for m in messages}) == 1
    assert messages[0]["occurred_at"]
    assert len({m["event_id"] for m in messages}) == 5
