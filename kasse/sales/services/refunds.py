"""Returns: a new receipt of kind ``refund`` linked to the original, never an edit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.catalog.models import Variant
from kasse.catalog.selectors import selling_price, store_prices
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.money import ZERO
from kasse.core.services import tenant_service
from kasse.customers.models import Customer
from kasse.inventory.models import StockMovement, StockReason
from kasse.sales.events import publish_sale
from kasse.sales.models import CounterKind, Payment, PaymentMethod, Sale, SaleKind, SaleLine, SaleVat
from kasse.sales.pricing import CartItem, PricedCart, ReturnedItem, VatCode, price_cart, returned_share
from kasse.sales.services import loyalty, vouchers
from kasse.sales.services.checkout import open_shift_for, sale_line_amounts, sale_vat_rows, stored_once
from kasse.sales.services.errors import SaleError
from kasse.sales.services.numbering import next_number
from kasse.sales.services.rules import check_quantity
from kasse.sync.engine.changes import record
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
    """The share of what was paid for ``line`` that ``quantity`` units give back (the pricing rule)."""
    return returned_share(line.total, line.quantity, quantity)


def returned_item(line: SaleLine, quantity: Decimal) -> ReturnedItem:
    """``quantity`` of ``line`` coming back, as the pricing sees it (at the VAT it was sold with)."""
    return ReturnedItem(
        list_price=line.list_price,
        unit_price=line.unit_price,
        sold_quantity=line.quantity,
        paid_total=line.total,
        quantity=quantity,
        vat=VatCode(line.vat_class, line.vat_rate, line.vat_dsfinvk_id),
    )


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
        quantity = check_quantity(
            item.quantity,
            by_piece=line.quantity == line.quantity.to_integral_value() and not line.variant.product.is_measured,
            name=line.product_name,
        )
        if line.variant.product.is_voucher and line.total < 0:
            raise SaleError(
                _("A gift card that paid is not returned by itself: its share goes back onto it with the goods.")
            )
        if quantity > refundable_quantity(line):
            raise SaleError(
                _("“%(name)s”: at most %(qty)s can still be returned.")
                % {"name": line.product_name, "qty": refundable_quantity(line).normalize()}
            )
        if line.variant.product.is_voucher:  # a gift card sold comes back only while nothing of it was spent
            vouchers.check_returned_card(line, refund_amount(line, quantity))
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


@dataclass(frozen=True)
class _ReturnedLine:
    """What a return line says besides its amounts: the product, the original line, the approver."""

    variant: Variant
    product_name: str
    variant_name: str
    sku: str
    unit: str
    barcode: str = ""
    original_line: SaleLine | None = None
    approved_by: Employee | None = None


def _write_refund(
    *,
    actor: Actor,
    register: Register,
    employee: Employee,
    refund_id: uuid.UUID,
    original: Sale | None,
    customer: Customer | None,
    lines: list[_ReturnedLine],
    priced: PricedCart,
    payments: list[tuple[str, Decimal]],
    action: str,
    note: str = "",
    training: bool = False,
    references: dict[str, str] | None = None,
) -> Sale:
    """Store a return: receipt, its (negative) lines, VAT rows, payments, stock back, audit entry.

    A return of a training receipt (or one made in training mode) is a training receipt: no stock moves."""
    shift = open_shift_for(register)
    total = priced.total
    now = timezone.now()
    refund = Sale.objects.create(
        id=refund_id,
        organization_id=register.organization_id,
        store=register.store,
        register=register,
        shift=shift,
        kind=SaleKind.REFUND,
        receipt_number=next_number(register, CounterKind.RECEIPT),
        employee=employee,
        employee_name=employee.display_name,
        customer=customer,
        original_sale=original,
        started_at=now,
        completed_at=now,
        subtotal=total,
        total=total,
        note=note[:500],
        is_training=training,
    )
    new_lines = SaleLine.objects.bulk_create(
        SaleLine(
            organization_id=refund.organization_id,
            sale=refund,
            position=index,
            variant=line.variant,
            product_name=line.product_name,
            variant_name=line.variant_name,
            sku=line.sku,
            barcode=line.barcode[:48],
            unit=line.unit,
            original_line=line.original_line,
            approved_by=line.approved_by,
            **sale_line_amounts(p),
        )
        for index, (line, p) in enumerate(zip(lines, priced.lines, strict=True), start=1)
    )
    vats = SaleVat.objects.bulk_create(sale_vat_rows(refund, priced))
    payment_rows = Payment.objects.bulk_create(
        Payment(
            organization_id=refund.organization_id,
            sale=refund,
            position=index,
            method=method,
            amount=amount,
            reference=(references or {}).get(method, "")[:100],
        )
        for index, (method, amount) in enumerate(payments, start=1)
    )
    moves = StockMovement.objects.bulk_create(
        StockMovement(
            organization_id=refund.organization_id,
            store=register.store,
            variant=line.variant,
            delta=-line.quantity,
            reason=StockReason.REFUND,
            sale_line=line,
        )
        for line in new_lines
        if line.variant.product.track_stock and not training
    )
    points = [] if training else loyalty.book_return(refund, original)
    cards = [] if training else vouchers.book_return(refund, new_lines)
    log_action(
        register.organization,
        actor,
        action,
        refund,
        {
            "original": str(original.pk) if original else None,
            "receipt_number": refund.receipt_number,
            "total": str(total),
            **({"training": True} if training else {}),
        },
    )
    record("refund", [refund, *new_lines, *vats, *payment_rows, *moves, *points, *cards])
    publish_sale(refund)  # after the commit, in the background (kasse/notifications)
    return refund


def _returned_from_receipt(chosen: list[tuple[SaleLine, Decimal, Decimal]]) -> tuple[list[_ReturnedLine], PricedCart]:
    lines = [
        _ReturnedLine(
            variant=line.variant,
            product_name=line.product_name,
            variant_name=line.variant_name,
            sku=line.sku,
            unit=line.unit,
            original_line=line,
        )
        for line, _qty, _amount in chosen
    ]
    return lines, price_cart([returned_item(line, qty) for line, qty, _amount in chosen])


def _split_credit(total: Decimal, method: str, credit_used: Decimal | None) -> list[tuple[str, Decimal]]:
    """Payments of a return of ``total`` (negative); an exchange may use only part of its credit."""
    if method != PaymentMethod.CREDIT or credit_used is None or credit_used >= -total:
        return [(method, total)]
    payments = [(PaymentMethod.CREDIT.value, -credit_used)] if credit_used > 0 else []
    return [*payments, (PaymentMethod.CASH.value, total + credit_used)]


def _checked_return(
    register: Register, employee: Employee, original: Sale, lines: list[RefundLineInput], *, training: bool
) -> tuple[list[_ReturnedLine], PricedCart, bool]:
    """What comes back (lines, gift-card lines included) and whether gift cards take part of it."""
    if not has_capability(employee, Capability.REFUND, register.store):
        raise SaleError(_("%(name)s may not process returns.") % {"name": employee.display_name})
    if original.store_id != register.store_id:
        raise SaleError(_("This receipt is from another store."))
    if training and not original.is_training:
        raise SaleError(_("This receipt was not made in training mode. Leave training mode to return it."))
    chosen = _chosen_receipt_lines(original, lines)
    open_shift_for(register)
    returned, priced = _returned_from_receipt(chosen)
    # Gift cards that paid the receipt get back what the money paid does not cover (kasse/sales/services/vouchers.py).
    given = vouchers.give_back(original, -priced.total)
    if given:
        priced = vouchers.with_lines(priced, [g.line for g in given])
        returned += [
            _ReturnedLine(
                variant=g.variant,
                product_name=g.original_line.product_name,
                variant_name=g.original_line.variant_name,
                sku=g.original_line.sku,
                unit=g.original_line.unit,
                original_line=g.original_line,
            )
            for g in given
        ]
    return returned, priced, bool(given)


def check_return(
    *, register: Register, employee: Employee, original: Sale, lines: list[RefundLineInput], training: bool = False
) -> Decimal:
    """What a return of ``lines`` of ``original`` gives back (positive), checked as `refund_sale` checks it,
    without storing anything: the register asks before money goes back through a card terminal. What goes
    back onto gift cards that paid the receipt is not in it."""
    _returned, priced, _given = _checked_return(register, employee, original, lines, training=training)
    return -priced.total


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
    training: bool = False,
    references: dict[str, str] | None = None,
) -> Sale:
    """Return some or all lines of ``original``; the money goes back to the original tender or cash.

    The return of a training receipt is one too; a real receipt is not returned in training mode
    (``training``: the register is in it).

    Never more than was sold (counting earlier returns); stock comes back.
    Idempotent by ``refund_id``. With ``tender="credit"`` (an exchange, needs
    ``approver`` with the manager-override capability) the amount becomes a
    credit that pays the replacement; ``credit_used`` is how much of it the
    replacement takes, the rest goes back in cash. ``references`` name what paid a tender back (a card
    terminal's refund: ``{"card": "zvt:<id>"}``).
    """
    # Lock the original receipt before anything is computed from it: two returns of the same
    # receipt at the same moment (two registers, two worker processes) are then worked out one
    # after the other, and the second sees what the first gave back.
    original = Sale.objects.select_for_update().get(pk=original.pk)
    existing = Sale.objects.filter(pk=refund_id).first()
    if existing is not None:
        return existing
    returned, priced, given = _checked_return(register, employee, original, lines, training=training)
    total = priced.total
    if tender is None:  # back to the tenders the customer paid with
        payments = [(method, -amount) for method, amount in split_to_original_tenders(original, -total)]
        if given:  # all of it went back onto gift cards: no money moves
            payments = [(method, amount) for method, amount in payments if amount]
    else:
        _check_refund_tender(tender, original, approver, register.store)
        payments = _split_credit(total, tender, credit_used)
    return stored_once(
        refund_id,
        lambda: _write_refund(
            actor=actor,
            register=register,
            employee=employee,
            refund_id=refund_id,
            original=original,
            customer=original.customer,
            lines=returned,
            priced=priced,
            payments=payments,
            action="sales.sale.refunded",
            training=original.is_training,
            references=references,
        ),
    )


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


def _returned_without_receipt(
    register: Register, items: list[ReturnItemInput], approver: Employee
) -> tuple[list[_ReturnedLine], PricedCart]:
    if not items:
        raise SaleError(_("Please choose what is returned."))
    variants = {v.pk: v for v in Variant.objects.filter(pk__in=[i.variant_id for i in items]).select_related("product")}
    own_prices = store_prices(register.store_id, variants)
    lines = []
    priced_items = []
    seen = set()
    for item in items:
        variant = variants.get(item.variant_id)
        if variant is None:
            raise SaleError(_("A returned product is unknown."))
        if variant.product.is_voucher:  # its value is on the card, not in the catalog (docs/vouchers.md)
            raise SaleError(_("A gift card is returned with the receipt it was sold on."))
        if variant.pk in seen:
            raise SaleError(_("Each product can only be chosen once."))
        seen.add(variant.pk)
        if Decimal(item.quantity).is_finite() and item.quantity <= 0:
            raise SaleError(_("The quantity to return must be greater than zero."))
        quantity = check_quantity(item.quantity, by_piece=not variant.product.is_measured, name=variant)
        priced_items.append(
            CartItem(
                list_price=selling_price(variant, own_prices.get(variant.pk)),
                quantity=-quantity,
                vat=VatCode.current(variant.product.vat_class),
            )
        )
        lines.append(
            _ReturnedLine(
                variant=variant,
                product_name=variant.product.name,
                variant_name=variant.name,
                sku=variant.sku,
                unit=variant.product.unit,
                barcode=item.barcode,
                approved_by=approver,
            )
        )
    return lines, price_cart(priced_items)


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
    training: bool = False,
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
    manager = _require_manager(
        approver, register.store, _("A return without a receipt needs a manager. Please enter a manager PIN.")
    )
    if tender not in (PaymentMethod.CASH, PaymentMethod.CREDIT):
        raise SaleError(_("A return without a receipt is refunded in cash."))
    lines, priced = _returned_without_receipt(register, items, manager)
    open_shift_for(register)
    return stored_once(
        refund_id,
        lambda: _write_refund(
            actor=actor,
            register=register,
            employee=employee,
            refund_id=refund_id,
            original=None,
            customer=None,
            lines=lines,
            priced=priced,
            payments=_split_credit(priced.total, tender, credit_used),
            action="sales.sale.refunded_without_receipt",
            note=note,
            training=training,
        ),
    )
