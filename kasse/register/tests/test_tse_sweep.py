"""The periodic settling of TSE transactions left open (docs/fiscal.md, Integration item 5): the periodic
task ``settle_open_tse_transactions`` (the cloud's ``kasse worker``; ``kasse tse_recover --sweep`` in a
store node's thread) finishes a paid sale whose finish was lost, cancels a given-up cart whose abort was
lost, gives up a cart nobody touched for a day (AVBelegabbruch, its items kept), leaves a cart being rung up
alone, is a periodic task of the worker, and never settles in the cloud for a register its store node serves.

These tests commit (``transactional_db``): the start runs on a worker thread after the first line's commit.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.models import AuditEntry
from kasse.fiscal.models import Outcome, TseTransactionRecord
from kasse.fiscal.services import create_development_tse, register_tse_client
from kasse.register.models import Cart, CartLine
from kasse.register.services.cart import _drop_cart, _store_sale
from kasse.register.services.tse_recovery import SWEEP_ACTOR, recover_open_transactions
from kasse.register.tasks import settle_open_tse_transactions
from kasse.sales.fiscal_start import wait_idle
from kasse.sales.models import AbortedCart
from kasse.sales.services.checkout import PaymentInput
from kasse.sync.cloud.services import create_node_pairing_code, pair_node

pytestmark = pytest.mark.django_db(transaction=True)
ROLL, BREAD = "4000000000017", "4000000000024"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def dev_tse(organization, store, register):
    device = create_development_tse(organization=organization, actor=Actor.system(), store=store)
    register_tse_client(register=register, actor=Actor.system())
    return device


def _records(tx_id):
    with scopes_disabled():
        return [
            (r.revision, r.operation, r.outcome)
            for r in TseTransactionRecord.objects.filter(tx_id=tx_id).order_by("revision", "created_at")
        ]


def _cart(register):
    with scopes_disabled():
        return Cart.objects.get(register=register, status="active")


def _scan_new_cart(till, register, code):
    till.post("/register/cart/scan/", {"code": code})
    cart = _cart(register)
    wait_idle()
    return cart


def _age(cart, hours):
    """The cart and its lines last changed ``hours`` ago (a register that crashed with it)."""
    then = timezone.now() - timedelta(hours=hours)
    with scopes_disabled():
        Cart.objects.filter(pk=cart.pk).update(updated_at=then, created_at=then)
        CartLine.objects.filter(cart=cart).update(updated_at=then, created_at=then)


@override_settings(KASSE_TSE_SWEEP_MINUTES=0)
def test_the_periodic_task_settles_what_was_left_open_and_gives_up_a_cart_untouched_for_a_day(
    till, register, bakery, dev_tse, cashier
):
    # 1. paid, but the process died before the TSE finished
    paid = _scan_new_cart(till, register, ROLL)
    with scopes_disabled():
        sale = _store_sale(
            actor=Actor.system(),
            cart=paid,
            employee=cashier,
            payments=[PaymentInput("cash", Decimal("5"))],
            print_now=False,
        )
    # 2. given up, but the process died before the abort was signed
    given_up = _scan_new_cart(till, register, BREAD).pk
    with scopes_disabled():
        _drop_cart(actor=Actor.system(), cart=Cart.objects.get(pk=given_up))
    # 3. a register that crashed with a cart on it, yesterday: parked here so that the register sells on
    forgotten = _scan_new_cart(till, register, ROLL)
    till.post("/register/cart/scan/", {"code": BREAD})
    assert till.post("/register/cart/park/", {"label": "Absturz"}).status_code == 200
    _age(forgotten, hours=25)
    # 4. a cart being rung up now
    ringing = _scan_new_cart(till, register, BREAD)

    # When the worker runs the task
    result = settle_open_tse_transactions.enqueue()

    # Then each was settled as it should be, and the cart being rung up keeps its transaction
    assert result.return_value == {"finished": 1, "cancelled": 1, "left_open": 1, "given_up": 1, "not_here": 0}
    assert _records(sale.pk) == [(1, "start", Outcome.SIGNED), (2, "finish", Outcome.SIGNED)]
    assert _records(given_up) == [(1, "start", Outcome.SIGNED), (2, "cancel", Outcome.SIGNED)]
    assert _records(forgotten.pk) == [(1, "start", Outcome.SIGNED), (2, "cancel", Outcome.SIGNED)]
    assert _records(ringing.pk) == [(1, "start", Outcome.SIGNED)]
    with scopes_disabled():
        cancel = TseTransactionRecord.objects.get(tx_id=forgotten.pk, operation="cancel")
        kept = AbortedCart.objects.get(pk=forgotten.pk)
        assert not Cart.objects.filter(pk=forgotten.pk).exists()
        entry = AuditEntry.objects.get(action="register.cart.cancelled", object_id=str(forgotten.pk))
    assert cancel.process_data == "AVBelegabbruch^2.80_0.45_0.00_0.00_0.00^"  # what was in it
    assert len(kept.lines) == 2
    assert kept.total == Decimal("3.25")
    assert entry.actor_label.endswith(SWEEP_ACTOR)
    # Run again: nothing twice
    again = settle_open_tse_transactions.enqueue()
    assert again.return_value == {"finished": 0, "cancelled": 0, "left_open": 1, "given_up": 0, "not_here": 0}
    # The node's thread runs the same through the command
    call_command("tse_recover", "--sweep")
    assert len(_records(forgotten.pk)) == 2


def test_a_cart_touched_within_the_limit_keeps_its_transaction(till, register, bakery, dev_tse):
    parked = _scan_new_cart(till, register, ROLL)
    assert till.post("/register/cart/park/", {"label": "Frau Muster"}).status_code == 200
    _age(parked, hours=23)
    with override_settings(KASSE_TSE_SWEEP_MINUTES=0):
        done = settle_open_tse_transactions.enqueue().return_value
    assert (done["given_up"], done["left_open"]) == (0, 1)
    with override_settings(KASSE_TSE_SWEEP_MINUTES=0, KASSE_TSE_OPEN_CART_HOURS=12):  # the shop's own limit
        assert settle_open_tse_transactions.enqueue().return_value["given_up"] == 1
    assert _records(parked.pk) == [(1, "start", Outcome.SIGNED), (2, "cancel", Outcome.SIGNED)]


def test_the_cloud_leaves_the_transactions_of_a_node_served_register_to_the_node(
    till, organization, store, register, bakery, dev_tse
):
    # A start uploaded by the store node whose end has not arrived yet (the node is offline)
    cart = _scan_new_cart(till, register, ROLL)
    _age(cart, hours=48)
    with scope(organization=organization):
        code = create_node_pairing_code(actor=Actor.system(), store=store)
    pair_node(code=code, name="Laden-PC", version="test")
    done = recover_open_transactions(timedelta(0), give_up_carts_after=timedelta(hours=1))
    assert (done.not_here, done.given_up, done.left_open) == (1, 0, 0)
    assert _records(cart.pk) == [(1, "start", Outcome.SIGNED)]  # the node settles it, never the cloud


def test_the_task_is_a_periodic_task_of_the_worker_every_five_minutes(db):
    from django_tasks_db.models import DBTaskResult

    from kasse.core.periodic import discover, ensure_scheduled

    path = settle_open_tse_transactions.module_path
    assert discover()[path].every == timedelta(minutes=5)
    with override_settings(TASKS=DB_TASKS):
        assert path in ensure_scheduled()  # what kasse worker and kasse cloud do at start
        assert path not in ensure_scheduled()  # one waiting run is enough
        assert DBTaskResult.objects.get(task_path=path).status == "READY"


def test_a_store_nodes_thread_runs_the_same_settling(till, register, bakery, dev_tse):
    """The node has no task worker: ``kasse store run`` starts the thread ``kasse-tse-sweep``, which runs
    ``kasse tse_recover --sweep`` every ``KASSE_TSE_SWEEP_MINUTES``."""
    import time

    from django.db import OperationalError

    from kasse.sync.management.commands.store import _tse_sweep

    forgotten = _scan_new_cart(till, register, ROLL)
    _age(forgotten, hours=2)
    with override_settings(KASSE_TSE_SWEEP_MINUTES=0, KASSE_TSE_OPEN_CART_HOURS=1):
        thread = _tse_sweep().start()
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    if len(_records(forgotten.pk)) >= 2:
                        break
                except OperationalError:  # SQLite's shared in-memory test database: the thread writes this table
                    pass
                time.sleep(0.2)
        finally:
            thread.stop()
    assert _records(forgotten.pk) == [(1, "start", Outcome.SIGNED), (2, "cancel", Outcome.SIGNED)]
