"""Exchanges: a return whose amount pays for a replacement, as two linked receipts.

An exchange is written as what it is, fiscally: a return (kind ``refund``,
with or without the original receipt) paid out as *exchange credit*, and a new
sale paid with that credit (payment method ``credit`` whose ``reference`` is
the return's id) plus cash for any difference. If the replacement costs less
than the credit, the return pays the rest out in cash. Credit payments add up
to zero over a shift, so cash and shift figures stay right.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.money import ZERO
from kasse.core.services import tenant_service
from kasse.sales.models import PaymentMethod, Sale
from kasse.sales.services.checkout import PaymentInput, SaleInput, cart_total, complete_sale
from kasse.sales.services.errors import SaleError
from kasse.sales.services.refunds import RefundLineInput, ReturnItemInput, refund_sale, refund_without_receipt
from kasse.tenancy.models import Employee, Register
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability


def credit_issued(refund: Sale) -> Decimal:
    """The exchange credit a return issued (positive)."""
    return -sum((p.amount for p in refund.payments.all() if p.method == PaymentMethod.CREDIT), ZERO)


@tenant_service
def exchange_sale(
    *,
    actor: Actor,
    register: Register,
    employee: Employee,
    approver: Employee | None,
    refund_id: uuid.UUID,
    replacement: SaleInput,
    original: Sale | None = None,
    lines: list[RefundLineInput] | None = None,
    items: list[ReturnItemInput] | None = None,
    training: bool = False,
) -> tuple[Sale, Sale]:
    """Take back ``lines`` of ``original`` (or ``items`` without a receipt) and sell ``replacement``.

    Needs ``approver`` with the manager-override capability. ``replacement.payments``
    cover only what the credit does not (cash). One transaction; idempotent by
    ``refund_id`` and ``replacement.id``. Returns ``(return, new sale)``. ``training``: the register is in
    training mode; the return and the new sale are training receipts when the return is one.
    """
    done_refund = Sale.objects.filter(pk=refund_id).first()
    done_sale = Sale.objects.filter(pk=replacement.id).first()
    if done_refund is not None and done_sale is not None:
        return done_refund, done_sale
    if approver is None or not has_capability(approver, Capability.MANAGER_OVERRIDE, register.store):
        raise SaleError(_("An exchange needs a manager. Please enter a manager PIN."))
    if (original is None) == (items is None):
        raise SaleError(_("Please choose what is returned."))
    new_total = cart_total(register, replacement)
    if original is not None:
        refund = refund_sale(
            actor=actor,
            register=register,
            employee=employee,
            original=original,
            lines=lines or [],
            refund_id=refund_id,
            tender=PaymentMethod.CREDIT,
            approver=approver,
            credit_used=new_total,
            training=training,
        )
    else:
        refund = refund_without_receipt(
            actor=actor,
            register=register,
            employee=employee,
            approver=approver,
            items=items or [],
            refund_id=refund_id,
            tender=PaymentMethod.CREDIT,
            credit_used=new_total,
            training=training,
        )
    credit = credit_issued(refund)
    payments = [PaymentInput(PaymentMethod.CREDIT, credit, reference=str(refund.pk))] if credit > 0 else []
    sale = complete_sale(
        actor=actor,
        register=register,
        employee=employee,
        approver=approver,
        cart=replace(
            replacement,
            payments=[*payments, *replacement.payments],
            customer_id=replacement.customer_id or refund.customer_id,
            training=refund.is_training,
        ),
    )
    log_action(
        register.organization,
        actor,
        "sales.sale.exchanged",
        sale,
        {"return": str(refund.pk), "credit": str(credit), "total": str(sale.total)},
    )
    return refund, sale
