"""Open TSE transactions left by a crash: finished or cancelled when kasse starts again.

A cart's transaction starts with its first item and ends at pay (finish) or cancel (AVBelegabbruch),
each after its own database commit (docs/fiscal.md, Integration item 5). A process that dies in
between leaves a started transaction without an end. At the next start (``kasse cloud``,
``kasse store run``, or ``kasse tse_recover``) every such transaction older than a minute is closed:

* its **sale exists** (paid, the process died before the TSE finished): finished with the sale's
  amounts, as the sale flow would have (the receipt then carries the TSE block);
* its **cart still exists** (active or parked): left open, the cart will be paid or given up;
* **neither** (the cart was given up and the process died before the abort was signed):
  cancelled as AVBelegabbruch with the amounts of the items kept when it was given up
  (``AbortedCart``), without amounts if none were kept.

The same runs for one register before its shift is closed (:func:`settle_before_close`), so that the
closing holds the ends of its transactions. A cart still open (active or parked) keeps its transaction:
TR-03153 sets no time limit for an open transaction (the "45 seconds between updates" that fiskaltrust's
documentation once cited was withdrawn, fiskaltrust/interface-doc#121); it ends when the cart is paid
or given up.

A transaction whose start was never signed gets an unsigned end (never signed late).

**Periodically** (:func:`sweep`: the periodic task ``kasse.register.tasks.settle_open_tse_transactions``
in the cloud's ``kasse worker``, a thread of ``kasse store run`` on a store node), every five minutes, the
same runs for transactions started ``KASSE_TSE_SWEEP_MINUTES`` (5) ago, and a cart nobody
has touched for ``KASSE_TSE_OPEN_CART_HOURS`` (24: a register that crashed with a cart on it, a parked
cart never resumed) is given up as the register's *Cancel* would: its items kept (``AbortedCart``), the
cart deleted, the transaction cancelled as AVBelegabbruch, audited ``register.cart.cancelled`` by the
system. The cloud never settles a transaction of a register its store node serves: the node signs for
it, and a start whose end has not been uploaded yet is not left open (docs/fiscal.md).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.fiscal.models import TseTransactionRecord
from kasse.fiscal.tse.interface import Operation
from kasse.register.models import Cart
from kasse.register.services.cart import cancel_cart
from kasse.sales.fiscal_signing import sign_abort, sign_sale
from kasse.sales.models import AbortedCart, Sale
from kasse.sync.engine.local import is_node
from kasse.sync.models import StoreNode
from kasse.tenancy.models import Register

logger = logging.getLogger(__name__)

ENDS = [Operation.FINISH.value, Operation.CANCEL.value]


@dataclass
class Recovery:
    """What :func:`recover_open_transactions` did."""

    finished: int = 0
    cancelled: int = 0
    left_open: int = 0
    given_up: int = 0  # carts nobody touched for too long, given up (AVBelegabbruch)
    not_here: int = 0  # registers a store node serves: the node settles them


def open_transactions(older_than: timedelta, register_id: UUID | None = None) -> list[tuple[UUID, UUID, UUID]]:
    """(organization, register, tx_id) of every transaction started before ``now - older_than``
    that has no end recorded (of one register if ``register_id`` is given)."""
    before = timezone.now() - older_than
    with scopes_disabled():
        ended = TseTransactionRecord.objects.filter(operation__in=ENDS).values("tx_id")
        started = TseTransactionRecord.objects.filter(operation=Operation.START.value, created_at__lt=before)
        if register_id is not None:
            started = started.filter(register_id=register_id)
        rows = started.exclude(tx_id__in=ended).values_list("organization_id", "register_id", "tx_id").distinct()
        return list(rows)


def recover_open_transactions(
    older_than: timedelta = timedelta(minutes=1),
    register_id: UUID | None = None,
    give_up_carts_after: timedelta | None = None,
) -> Recovery:
    """Finish or cancel the transactions a crashed process left open (see the module's text); with
    ``give_up_carts_after``, also give up the carts untouched for that long."""
    result = Recovery()
    for organization_id, till_id, tx_id in open_transactions(older_than, register_id):
        with scope(organization=organization_id):
            register = Register.objects.select_related("store").get(pk=till_id)
            if _served_by_a_node(register.store_id):
                result.not_here += 1  # the store node signs for this register and settles its transactions
                continue
            sale = Sale.objects.filter(pk=tx_id, register=register).first()
            cart = None if sale is not None else Cart.objects.filter(pk=tx_id).first()
            kept = None if sale is not None or cart is not None else AbortedCart.objects.filter(pk=tx_id).first()
        if sale is not None:
            sign_sale(sale)
            result.finished += 1
        elif cart is not None:
            if give_up_carts_after is not None and _untouched_since(cart) < timezone.now() - give_up_carts_after:
                cancel_cart(actor=Actor.system(SWEEP_ACTOR), cart=cart)
                result.given_up += 1
                logger.info("cart %s of register %s untouched too long: given up (AVBelegabbruch)", tx_id, till_id)
            else:
                result.left_open += 1
            continue
        else:
            sign_abort(register=register, cart_id=tx_id, gross=_kept_gross(kept))
            result.cancelled += 1
        logger.info("open TSE transaction %s of register %s recovered", tx_id, till_id)
    return result


SWEEP_ACTOR = "TSE: open transactions settled"


def _served_by_a_node(store_id: UUID) -> bool:
    """In the cloud: whether a store node sells for the store (then it signs and settles; asked, not cached)."""
    if is_node():
        return False
    with scopes_disabled():
        return StoreNode.objects.filter(store_id=store_id, revoked_at__isnull=True).exists()


def _untouched_since(cart: Cart) -> datetime:
    """The last change of the cart or one of its lines."""
    with scope(organization=cart.organization_id):
        line = cart.lines.aggregate(last=Max("updated_at"))["last"]
    return max(cart.updated_at, line) if line is not None else cart.updated_at


def sweep_interval() -> timedelta:
    return timedelta(minutes=float(getattr(settings, "KASSE_TSE_SWEEP_MINUTES", 5)))


def sweep() -> Recovery:
    """The periodic settling: transactions started ``KASSE_TSE_SWEEP_MINUTES`` ago without an end, and carts
    untouched for ``KASSE_TSE_OPEN_CART_HOURS`` given up (the module's text)."""
    hours = float(getattr(settings, "KASSE_TSE_OPEN_CART_HOURS", 24))
    return recover_open_transactions(sweep_interval(), give_up_carts_after=timedelta(hours=hours))


def _kept_gross(kept: AbortedCart | None) -> dict[int, Decimal]:
    """The gross per DSFinV-K VAT id of a given-up cart's kept items (none kept: no amounts)."""
    gross: dict[int, Decimal] = defaultdict(Decimal)
    for item in kept.lines if kept is not None else []:
        gross[int(item["vat_dsfinvk_id"])] += Decimal(item["total"])
    return dict(gross)


# At a shift's close the register's transactions are settled first, so that the closing's DSFinV-K
# export has their ends: a paid sale's finish, a given-up cart's cancel. Started a few seconds ago at
# most: a pay or cancel still on its way is left to its own request.
AT_CLOSE = timedelta(seconds=5)


def settle_before_close(register: Register) -> Recovery:
    """Finish or cancel the register's transactions whose sale is stored or whose cart is gone, before its
    shift is closed. Never stops the closing: a fault is logged and the next start (``tse_recover``)
    settles them."""
    try:
        return recover_open_transactions(AT_CLOSE, register.pk)
    except Exception:  # the TSE layer records its own outages; anything else must not keep the drawer open
        logger.exception("open TSE transactions of register %s not settled at shift close", register.pk)
        return Recovery()
