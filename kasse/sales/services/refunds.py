"""Returns: a new receipt of kind ``refund`` linked to the original, never an edit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.catalog.models import Variant
from kasse.catalog.selectors import price_for_store
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.money import ZERO, round_money
from kasse.core.services import tenant_service
from kasse.core.vat import dsfinvk_id, vat_rate
from kasse.customers.models import Customer
from kasse.inventory.models import StockMovement, StockReason
from kasse.sales.models import CounterKind, Payment, PaymentMethod, Sale, SaleKind, SaleLine, SaleVat
from kasse.sales.services.checkout import open_shift_for, stored_once, vat_rows_for
from kasse.sales.services.errors import SaleError
from kasse.sales.services.numbering import next_number
from kasse.sales.services.rules import check_quantity
from kasse.sync.changes import record
from kasse.tenancy.models import Employee, Register, Store
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


def refund_amount(line: SaleLine, quantity: Decimal) -> Decimal:
    """The share of what was paid for ``line`` that ``quantity`` units give back."""
    if quantity == line.quantity:
        return line.total
    return round_money(line.total * quantity / line.quantity)


def _chosen_receipt_lines(original: Sale, lines: list[RefundLineInput]) -> list[tuple[SaleLine, Decimal, Decimal]]:
    """Validate what is returned from ``original``: ``(line, quantity, amount)`` per chosen line."""
    if original.kind != SaleKind.SALE:
        raise SaleError(_("A return cannot be returned."))
    if not lines:
        raise SaleError(_("Please choose what is returned."))
    originals = {ln.pk: ln for ln in original.lines.select_related("variant__product")}
    chosen: list[tuple[SaleLine, Decimal, Decimal]] = []
    seen = set()
    for item in lines:
        line = originals.get(item.original_line_id)
        if line is None:
            raise SaleError(_("That line is not on this receipt."))
        if line.pk in seen:
            raise SaleError(_("Each line can only be chosen once."))
        seen.add(line.pk)
        if Decimal(item.quantity).is_finite() and item.quantity <= 0:
            raise SaleError(_("The quantity to return must be greater than zero."))
        quantity = check_quantity(item.quantity, by_piece=line.quantity == line.quantity.to_integral_value()
                                  and not line.variant.product.is_measured, name=line.product_name)
        if quantity > refundable_quantity(line):
            raise SaleError(_("“%(name)s”: at most %(qty)s can still be returned.")
                            % {"name": line.product_name, "qty": refundable_quantity(line).normalize()})
        chosen.append((line, quantity, refund_amount(line, quantity)))
    return chosen


def _check_refund_tender(method: str, original: Sale | None, approver: Employee | None, store: Store) -> None:
    """Money goes back to the original tender or in cash; exchange credit needs a manager."""
    if method not in PaymentMethod.values:
        raise SaleError(_("Unknown payment method “%(method)s”.") % {"method": method})
    if method == PaymentMethod.CREDIT:
        _require_manager(approver, store, _("An exchange needs a manager. Please enter a manager PIN."))
        return
    original_methods = set(original.payments.values_list("method", flat=True)) if original else set()
    if method != PaymentMethod.CASH and method not in original_methods:
        raise SaleError(_("Refunds go back to the original payment method or in cash."))


def _require_manager(approver: Employee | None, store: Store, message: str) -> Employee:
    if approver is None or not has_capability(approver, Capability.MANAGER_OVERRIDE, store):
        raise SaleError(message)
    return approver


def _write_refund(
    *, actor: Actor, register: Register, employee: Employee, refund_id: uuid.UUID, original: Sale | None,
    customer: Customer | None, lines: list[SaleLine], payments: list[tuple[str, Decimal]], action: str,
    note: str = "",
) -> Sale:
    """Store a return: receipt, its (negative) lines, VAT rows, payments, stock back, audit entry."""
    shift = open_shift_for(register)
    total = sum((line.total for line in lines), ZERO)
    now = timezone.now()
    refund = Sale.objects.create(
        id=refund_id, organization_id=register.organization_id, store=register.store, register=register,
        shift=shift, kind=SaleKind.REFUND, receipt_number=next_number(register, CounterKind.RECEIPT),
        employee=employee, employee_name=employee.display_name, customer=customer,
        original_sale=original, started_at=now, completed_at=now, subtotal=total, total=total, note=note[:500],
    )
    for index, line in enumerate(lines, start=1):
        line.organization_id = refund.organization_id
        line.sale = refund
        line.position = index
    new_lines = SaleLine.objects.bulk_create(lines)
    vats = SaleVat.objects.bulk_create(vat_rows_for(refund, new_lines))
    payment_rows = Payment.objects.bulk_create(
        Payment(organization_id=refund.organization_id, sale=refund, position=index, method=method, amount=amount)
        for index, (method, amount) in enumerate(payments, start=1)
    )
    moves = StockMovement.objects.bulk_create(
        StockMovement(organization_id=refund.organization_id, store=register.store, variant=line.variant,
                      delta=-line.quantity, reason=StockReason.REFUND, sale_line=line)
        for line in new_lines if line.variant.product.track_stock
    )
    log_action(register.organization, actor, action, refund,
               {"original": str(original.pk) if original else None, "receipt_number": refund.receipt_number,
                "total": str(total)})
    record("refund", [refund, *new_lines, *vats, *payment_rows, *moves])
    return refund


def _returned_lines_from_receipt(chosen: list[tuple[SaleLine, Decimal, Decimal]]) -> list[SaleLine]:
    return [
        SaleLine(
            variant=line.variant, product_name=line.product_name, variant_name=line.variant_name, sku=line.sku,
            unit=line.unit, quantity=-qty, list_price=line.list_price, unit_price=line.unit_price,
            total=-amount, vat_class=line.vat_class, vat_rate=line.vat_rate,
            vat_dsfinvk_id=line.vat_dsfinvk_id, original_line=line,
        )
        for line, qty, amount in chosen
    ]


def _split_credit(total: Decimal, method: str, credit_used: Decimal | None) -> list[tuple[str, Decimal]]:
    """Payments of a return of ``total`` (negative); an exchange may use only part of its credit."""
    if method != PaymentMethod.CREDIT or credit_used is None or credit_used >= -total:
        return [(method, total)]
    payments = [(PaymentMethod.CREDIT.value, -credit_used)] if credit_used > 0 else []
    return [*payments, (PaymentMethod.CASH.value, total + credit_used)]


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
    approver: Employee | None = None,
    credit_used: Decimal | None = None,
) -> Sale:
    """Return some or all lines of ``original``; the money goes back to the original tender or cash.

    Never more than was sold (counting earlier returns); stock comes back.
    Idempotent by ``refund_id``. With ``tender="credit"`` (an exchange, needs
    ``approver`` with the manager-override capability) the amount becomes a
    credit that pays the replacement; ``credit_used`` is how much of it the
    replacement takes, the rest goes back in cash.
    """
    # Lock the original receipt before anything is computed from it: two returns of the same
    # receipt at the same moment (two registers, two worker processes) are then worked out one
    # after the other, and the second sees what the first gave back.
    original = Sale.objects.select_for_update().get(pk=original.pk)
    existing = Sale.objects.filter(pk=refund_id).first()
    if existing is not None:
        return existing
    if not has_capability(employee, Capability.REFUND, register.store):
        raise SaleError(_("%(name)s may not process returns.") % {"name": employee.display_name})
    if original.store_id != register.store_id:
        raise SaleError(_("This receipt is from another store."))
    chosen = _chosen_receipt_lines(original, lines)
    open_shift_for(register)
    total = -sum((amount for _line, _qty, amount in chosen), ZERO)
    if tender is None:  # back to the tenders the customer paid with
        payments = [(method, -amount) for method, amount in split_to_original_tenders(original, -total)]
    else:
        _check_refund_tender(tender, original, approver, register.store)
        payments = _split_credit(total, tender, credit_used)
    return stored_once(refund_id, lambda: _write_refund(
        actor=actor, register=register, employee=employee, refund_id=refund_id, original=original,
        customer=original.customer, lines=_returned_lines_from_receipt(chosen),
        payments=payments, action="sales.sale.refunded",
    ))


def split_to_original_tenders(original: Sale, amount: Decimal) -> list[tuple[str, Decimal]]:
    """How a refund of ``amount`` (positive) goes back to the tenders ``original`` was paid with.

    Card (and other non-cash tenders) first, each up to what it paid less what earlier returns
    already gave back to it, then cash: money paid by card never leaves the drawer as cash while
    the card can take it back. Exchange credit is never re-issued; its share goes back in cash.
    """
    left: dict[str, Decimal] = {}
    for method, paid in original.payments.values_list("method", "amount"):
        left[method] = left.get(method, ZERO) + paid
    earlier = Payment.objects.filter(sale__original_sale=original, sale__kind=SaleKind.REFUND)
    for method, paid in earlier.values_list("method", "amount"):
        left[method] = left.get(method, ZERO) + paid  # refund payments are negative
    parts: list[tuple[str, Decimal]] = []
    rest = amount
    for method in sorted(left, key=lambda m: (m == PaymentMethod.CASH, m)):
        if method in (PaymentMethod.CASH, PaymentMethod.CREDIT) or rest <= 0 or left[method] <= 0:
            continue
        share = min(rest, left[method])
        parts.append((method, share))
        rest -= share
    if rest > 0 or not parts:
        parts.append((PaymentMethod.CASH.value, rest))
    return parts


@dataclass
class ReturnItemInput:
    """A product returned without a receipt: refunded at today's price in the store."""

    variant_id: uuid.UUID
    quantity: Decimal
    barcode: str = ""


def _returned_lines_without_receipt(register: Register, items: list[ReturnItemInput],
                                    approver: Employee) -> list[SaleLine]:
    if not items:
        raise SaleError(_("Please choose what is returned."))
    variants = {v.pk: v for v in Variant.objects.filter(pk__in=[i.variant_id for i in items])
                .select_related("product")}
    lines = []
    seen = set()
    for item in items:
        variant = variants.get(item.variant_id)
        if variant is None:
            raise SaleError(_("A returned product is unknown."))
        if variant.pk in seen:
            raise SaleError(_("Each product can only be chosen once."))
        seen.add(variant.pk)
        if Decimal(item.quantity).is_finite() and item.quantity <= 0:
            raise SaleError(_("The quantity to return must be greater than zero."))
        quantity = check_quantity(item.quantity, by_piece=not variant.product.is_measured, name=variant)
        price = price_for_store(variant, register.store)
        vat_class = variant.product.vat_class
        lines.append(SaleLine(
            variant=variant, product_name=variant.product.name, variant_name=variant.name, sku=variant.sku,
            barcode=item.barcode[:48], unit=variant.product.unit, quantity=-quantity, list_price=price,
            unit_price=price, total=-round_money(price * quantity), vat_class=vat_class,
            vat_rate=vat_rate(vat_class), vat_dsfinvk_id=dsfinvk_id(vat_class), approved_by=approver,
        ))
    return lines


@tenant_service
def refund_without_receipt(
    *,
    actor: Actor,
    register: Register,
    employee: Employee,
    approver: Employee | None,
    items: list[ReturnItemInput],
    refund_id: uuid.UUID,
    tender: str = PaymentMethod.CASH,
    credit_used: Decimal | None = None,
    note: str = "",
) -> Sale:
    """Take goods back without a receipt, at today's store price, refunded in cash.

    Needs ``approver`` with the manager-override capability in this store (a
    manager at the register may approve their own return). The return is its
    own receipt without ``original_sale``. Stock comes back. Idempotent by
    ``refund_id``. ``tender="credit"`` makes it the credit of an exchange.
    """
    existing = Sale.objects.filter(pk=refund_id).first()
    if existing is not None:
        return existing
    if not has_capability(employee, Capability.REFUND, register.store):
        raise SaleError(_("%(name)s may not process returns.") % {"name": employee.display_name})
    manager = _require_manager(approver, register.store,
                               _("A return without a receipt needs a manager. Please enter a manager PIN."))
    if tender not in (PaymentMethod.CASH, PaymentMethod.CREDIT):
        raise SaleError(_("A return without a receipt is refunded in cash."))
    lines = _returned_lines_without_receipt(register, items, manager)
    open_shift_for(register)
    total = sum((line.total for line in lines), ZERO)
    return stored_once(refund_id, lambda: _write_refund(
        actor=actor, register=register, employee=employee, refund_id=refund_id, original=None, customer=None,
        lines=lines, payments=_split_credit(total, tender, credit_used),
        action="sales.sale.refunded_without_receipt", note=note,
    ))
