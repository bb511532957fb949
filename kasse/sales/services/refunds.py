"""Returns: a new receipt of kind ``refund`` linked to the original, never an edit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.money import ZERO, round_money, round_quantity
from kasse.core.services import tenant_service
from kasse.inventory.models import StockMovement, StockReason
from kasse.sales.models import CounterKind, Payment, PaymentMethod, Sale, SaleKind, SaleLine, SaleVat
from kasse.sales.services.checkout import open_shift_for, vat_rows_for
from kasse.sales.services.errors import SaleError
from kasse.sales.services.numbering import next_number
from kasse.tenancy.models import Employee, Register
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability


@dataclass
class RefundLineInput:
    original_line_id: uuid.UUID
    quantity: Decimal


def refundable_quantity(line: SaleLine) -> Decimal:
    """How much of an original line can still be returned."""
    returned = SaleLine.objects.filter(original_line=line).aggregate(q=Sum("quantity"))["q"] or ZERO
    return line.quantity + returned  # returned quantities are negative


def _refund_amount(line: SaleLine, quantity: Decimal) -> Decimal:
    """The share of what was paid for ``line`` that ``quantity`` units give back."""
    if quantity == line.quantity:
        return line.total
    return round_money(line.total * quantity / line.quantity)


@tenant_service
def refund_sale(
    *,
    actor: Actor,
    register: Register,
    employee: Employee,
    original: Sale,
    lines: list[RefundLineInput],
    refund_id: uuid.UUID,
    tender: str | None = None,
) -> Sale:
    """Return some or all lines of ``original``; the money goes back to the original tender or cash.

    Never more than was sold (counting earlier returns); stock comes back.
    Idempotent by ``refund_id``.
    """
    existing = Sale.objects.filter(pk=refund_id).first()
    if existing is not None:
        return existing
    if original.kind != SaleKind.SALE:
        raise SaleError(_("A return cannot be returned."))
    if not has_capability(employee, Capability.REFUND, register.store):
        raise SaleError(_("%(name)s may not process returns.") % {"name": employee.display_name})
    if not lines:
        raise SaleError(_("Please choose what is returned."))
    shift = open_shift_for(register)
    originals = {ln.pk: ln for ln in original.lines.select_related("variant__product")}
    chosen: list[tuple[SaleLine, Decimal]] = []
    seen = set()
    for item in lines:
        line = originals.get(item.original_line_id)
        if line is None:
            raise SaleError(_("That line is not on this receipt."))
        if line.pk in seen:
            raise SaleError(_("Each line can only be chosen once."))
        seen.add(line.pk)
        quantity = round_quantity(item.quantity)
        if quantity <= 0:
            raise SaleError(_("The quantity to return must be greater than zero."))
        if quantity > refundable_quantity(line):
            raise SaleError(_("“%(name)s”: at most %(qty)s can still be returned.")
                            % {"name": line.product_name, "qty": refundable_quantity(line).normalize()})
        chosen.append((line, quantity))
    amounts = [_refund_amount(line, qty) for line, qty in chosen]
    total = -sum(amounts, ZERO)
    original_methods = list(original.payments.values_list("method", flat=True))
    method = tender or (original_methods[0] if len(set(original_methods)) == 1 else PaymentMethod.CASH)
    if method not in PaymentMethod.values:
        raise SaleError(_("Unknown payment method “%(method)s”.") % {"method": method})
    if method != PaymentMethod.CASH and method not in original_methods:
        raise SaleError(_("Refunds go back to the original payment method or in cash."))

    now = timezone.now()
    with transaction.atomic():
        refund = Sale.objects.create(
            id=refund_id, organization_id=register.organization_id, store=register.store, register=register,
            shift=shift, kind=SaleKind.REFUND, receipt_number=next_number(register, CounterKind.RECEIPT),
            employee=employee, employee_name=employee.display_name, customer=original.customer,
            original_sale=original, started_at=now, completed_at=now, subtotal=total, total=total,
        )
        new_lines = SaleLine.objects.bulk_create(
            SaleLine(
                organization_id=refund.organization_id, sale=refund, position=index, variant=line.variant,
                product_name=line.product_name, variant_name=line.variant_name, sku=line.sku,
                unit=line.unit, quantity=-qty, list_price=line.list_price, unit_price=line.unit_price,
                total=-amount, vat_class=line.vat_class, vat_rate=line.vat_rate,
                vat_dsfinvk_id=line.vat_dsfinvk_id, original_line=line,
            )
            for index, ((line, qty), amount) in enumerate(zip(chosen, amounts, strict=True), start=1)
        )
        SaleVat.objects.bulk_create(vat_rows_for(refund, new_lines))
        Payment.objects.create(organization_id=refund.organization_id, sale=refund, position=1, method=method,
                               amount=total)
        StockMovement.objects.bulk_create(
            StockMovement(organization_id=refund.organization_id, store=register.store, variant=line.variant,
                          delta=-line.quantity, reason=StockReason.REFUND, sale_line=line)
            for line in new_lines if line.variant.product.track_stock
        )
        log_action(register.organization, actor, "sales.sale.refunded", refund,
                   {"original": str(original.pk), "receipt_number": refund.receipt_number, "total": str(total)})
    return refund
