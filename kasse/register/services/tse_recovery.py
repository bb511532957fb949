"""Open TSE transactions left by a crash: finished or cancelled when kasse starts again.

A cart's transaction starts with its first item and ends at pay (finish) or cancel (AVBelegabbruch),
each after its own database commit (docs/fiscal.md, Integration item 5). A process that dies in
between leaves a started transaction without an end. At the next start (``kasse cloud``,
``kasse store run``, or ``kasse tse_recover``) every such transaction older than a minute is closed:

* its **sale exists** (paid, the process died before the TSE finished): finished with the sale's
  amounts, as the sale flow would have (the receipt then carries the TSE block);
* its **cart still exists** (active or parked): left open, the cart will be paid or given up;
* **neither** (the cart was given up and the process died before the abort was signed):
  cancelled as AVBelegabbruch without amounts (what was in the cart is gone with it).

A transaction whose start was never signed gets an unsigned end (never signed late).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.fiscal.models import TseTransactionRecord
from kasse.fiscal.tse.interface import Operation
from kasse.register.models import Cart
from kasse.sales.fiscal_signing import sign_abort, sign_sale
from kasse.sales.models import Sale
from kasse.tenancy.models import Register

logger = logging.getLogger(__name__)

ENDS = [Operation.FINISH.value, Operation.CANCEL.value]


@dataclass
class Recovery:
    """What :func:`recover_open_transactions` did."""

    finished: int = 0
    cancelled: int = 0
    left_open: int = 0


def open_transactions(older_than: timedelta) -> list[tuple[UUID, UUID, UUID]]:
    """(organization, register, tx_id) of every transaction started before ``now - older_than``
    that has no end recorded."""
    before = timezone.now() - older_than
    with scopes_disabled():
        ended = TseTransactionRecord.objects.filter(operation__in=ENDS).values("tx_id")
        rows = (
            TseTransactionRecord.objects.filter(operation=Operation.START.value, created_at__lt=before)
            .exclude(tx_id__in=ended)
            .values_list("organization_id", "register_id", "tx_id")
            .distinct()
        )
        return list(rows)


def recover_open_transactions(older_than: timedelta = timedelta(minutes=1)) -> Recovery:
    """Finish or cancel the transactions a crashed process left open (see the module's text)."""
    result = Recovery()
    for organization_id, register_id, tx_id in open_transactions(older_than):
        with scope(organization=organization_id):
            register = Register.objects.select_related("store").get(pk=register_id)
            sale = Sale.objects.filter(pk=tx_id, register=register).first()
            cart_open = sale is None and Cart.objects.filter(pk=tx_id).exists()
        if sale is not None:
            sign_sale(sale)
            result.finished += 1
        elif cart_open:
            result.left_open += 1
        else:
            sign_abort(register=register, cart_id=tx_id, gross={})
            result.cancelled += 1
        logger.info("open TSE transaction %s of register %s recovered", tx_id, register_id)
    return result
