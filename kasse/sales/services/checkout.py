"""Completing a sale: one atomic commit of everything a receipt is."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.catalog.models import Variant
from kasse.catalog.selectors import price_for_store
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.money import (
    ZERO,
    PricedLine,
    ReceiptTotals,
    VatLine,
    receipt_totals,
    round_money,
    vat_breakdown,
)
from kasse.core.services import tenant_service
from kasse.core.vat import dsfinvk_id, vat_rate
from kasse.customers.models import Customer
from kasse.inventory.models import StockMovement, StockReason
from kasse.sales.models import (
    CounterKind,
    Payment,
    PaymentMethod,
    Sale,
    SaleKind,
    SaleLine,
    SaleVat,
    Shift,
    ShiftStatus,
)
from kasse.sales.services.errors import SaleError
from kasse.sales.services.numbering import next_number
from kasse.sales.services.rules import (
    Approval,
    check_amount,
    check_quantity,
    discount_amount,
    discount_needs_manager,
)
from kasse.sync.changes import record
from kasse.tenancy.models import Employee, Register
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability


@dataclass
class LineInput:
    """A cart line as the register sends it."""

    variant_id: uuid.UUID
    quantity: Decimal
    unit_price: Decimal | None = None  # set only for a price override
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    barcode: str = ""
    note: str = ""
    price_from_label: bool = False  # the price printed on a scale/price label, not an override
    approval: Approval | None = None  # what a manager approved on this line (price, discount)


@dataclass
class PaymentInput:
    """A tender. For cash, ``amount`` is what the customer handed over."""

    method: str
    amount: Decimal
    reference: str = ""


@dataclass
class SaleInput:
    """A complete cart at the moment of payment. ``id`` is born on the register."""

    id: uuid.UUID
    lines: list[LineInput]
    payments: list[PaymentInput]
    customer_id: uuid.UUID | None = None
    order_discount_percent: Decimal | None = None
    order_discount_amount: Decimal | None = None
    order_approval: Approval | None = None  # what a manager approved of the order discount
    started_at: datetime | None = None
    note: str = ""
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _PricedCartLine:
    line: LineInput
    variant: Variant
    list_price: Decimal
    unit_price: Decimal
    quantity: Decimal
    line_discount: Decimal
    overridden: bool
    discount_needs_approval: bool
    base: Decimal

    @property
    def needs_approval(self) -> bool:
        return self.overridden or self.discount_needs_approval


def _price_lines(register: Register, lines: list[LineInput]) -> list[_PricedCartLine]:
    if not lines:
        raise SaleError(_("The cart is empty."))
    variants = {
        v.pk: v for v in Variant.objects.filter(pk__in=[ln.variant_id for ln in lines]).select_related("product")
    }
    priced = []
    for line in lines:
        variant = variants.get(line.variant_id)
        if variant is None or not variant.is_active or not variant.product.is_active:
            raise SaleError(_("A product in the cart is no longer available."))
        quantity = check_quantity(line.quantity, by_piece=not variant.product.is_measured, name=variant)
        list_price = price_for_store(variant, register.store)
        unit_price = list_price
        overridden = False
        if line.unit_price is not None:
            unit_price = check_amount(line.unit_price)
            if unit_price < 0:
                raise SaleError(_("A price must not be negative."))
            overridden = unit_price != list_price and not line.price_from_label
        base = round_money(unit_price * quantity)
        discount = discount_amount(base, line.discount_percent, line.discount_amount)
        priced.append(_PricedCartLine(
            line=line, variant=variant, list_price=list_price, unit_price=unit_price, quantity=quantity,
            line_discount=discount, overridden=overridden, base=base,
            discount_needs_approval=discount_needs_manager(discount, base),
        ))
    return priced


def _settle_payments(total: Decimal, payments: list[PaymentInput]) -> list[tuple[PaymentInput, Decimal, Decimal]]:
    """Return ``(payment, amount applied, change)``; only cash gives change."""
    for payment in payments:
        if payment.method not in PaymentMethod.values:
            raise SaleError(_("Unknown payment method “%(method)s”.") % {"method": payment.method})
        if check_amount(payment.amount) <= 0:
            raise SaleError(_("A payment must be greater than zero."))
    non_cash = sum((round_money(p.amount) for p in payments if p.method != PaymentMethod.CASH), ZERO)
    cash = sum((round_money(p.amount) for p in payments if p.method == PaymentMethod.CASH), ZERO)
    if non_cash > total:
        raise SaleError(_("Card and other payments must not exceed the amount due."))
    if non_cash + cash < total:
        raise SaleError(_("%(missing)s € are still missing.") % {"missing": total - non_cash - cash})
    change = non_cash + cash - total
    result = []
    change_left = change
    for payment in payments:
        amount = round_money(payment.amount)
        if payment.method == PaymentMethod.CASH and change_left > 0:
            given_back = min(change_left, amount)
            change_left -= given_back
            result.append((payment, amount - given_back, given_back))
        else:
            result.append((payment, amount, ZERO))
    return result


def _check_credits(register: Register, payments: list[PaymentInput]) -> None:
    """Exchange credit pays only up to what a return of this store issued and nobody used yet."""
    used: dict[str, Decimal] = {}
    for payment in payments:
        if payment.method == PaymentMethod.CREDIT:
            used[payment.reference] = used.get(payment.reference, ZERO) + round_money(payment.amount)
    for reference, amount in used.items():
        try:
            refund_id = uuid.UUID(reference)
        except ValueError as exc:
            raise SaleError(_("This exchange credit is unknown.")) from exc
        # Lock the return that issued the credit, so two sales spending it at the same moment
        # (two registers, two worker processes) are checked one after the other.
        issuer = Sale.objects.select_for_update().filter(
            pk=refund_id, kind=SaleKind.REFUND, store_id=register.store_id).first()
        if issuer is None:
            raise SaleError(_("This exchange credit is unknown."))
        issued = -(Payment.objects.filter(
            sale_id=refund_id, sale__kind=SaleKind.REFUND, sale__store_id=register.store_id,
            method=PaymentMethod.CREDIT,
        ).aggregate(s=Sum("amount"))["s"] or ZERO)
        spent = Payment.objects.filter(method=PaymentMethod.CREDIT, reference=reference,
                                       sale__kind=SaleKind.SALE).aggregate(s=Sum("amount"))["s"] or ZERO
        if issued <= 0:
            raise SaleError(_("This exchange credit is unknown."))
        if spent + amount > issued:
            raise SaleError(_("Only %(left)s € of this exchange credit are left.") % {"left": issued - spent})


def _valid_approval(approval: Approval | None, register: Register) -> Approval:
    if approval is None or not has_capability(approval.approver, Capability.MANAGER_OVERRIDE, register.store):
        raise SaleError(_("A manager must approve this price change or discount."))
    return approval


def _line_approver(p: _PricedCartLine, present: Employee | None, register: Register) -> Employee | None:
    """Who approved what this line needs: a manager at checkout, else the line's own approval, if it
    still covers the line as it is now (price unchanged, discount not larger than approved)."""
    if not p.needs_approval:
        return None
    if present is not None:
        return present
    approval = _valid_approval(p.line.approval, register)
    if (p.overridden and not approval.covers_price(p.unit_price)) or (
            p.discount_needs_approval
            and not approval.covers_discount(p.line.discount_percent, p.line.discount_amount, p.base)):
        raise SaleError(_("“%(name)s” changed after a manager approved its price or discount. "
                          "A manager must approve it again.") % {"name": p.variant})
    return approval.approver  # type: ignore[no-any-return]


def _order_approver(cart: SaleInput, discount: Decimal, subtotal: Decimal, present: Employee | None,
                    register: Register) -> Employee | None:
    if not discount_needs_manager(discount, subtotal):
        return None
    if present is not None:
        return present
    approval = _valid_approval(cart.order_approval, register)
    if not approval.covers_discount(cart.order_discount_percent, cart.order_discount_amount, subtotal):
        raise SaleError(_("The cart changed after a manager approved the discount on the whole sale. "
                          "A manager must approve it again."))
    return approval.approver  # type: ignore[no-any-return]


def cart_total(register: Register, cart: SaleInput) -> Decimal:
    """What ``cart`` would cost if completed now (same pricing as :func:`complete_sale`), without writing."""
    priced = _price_lines(register, cart.lines)
    gross = sum((round_money(p.unit_price * p.quantity) - p.line_discount for p in priced), ZERO)
    order_discount = discount_amount(gross, cart.order_discount_percent, cart.order_discount_amount)
    totals = receipt_totals(
        [PricedLine(p.unit_price, p.quantity, vat_rate(p.variant.product.vat_class), p.line_discount)
         for p in priced],
        order_discount=order_discount,
    )
    return totals.total


def open_shift_for(register: Register) -> Shift:
    shift = Shift.objects.filter(register=register, status=ShiftStatus.OPEN).first()
    if shift is None:
        raise SaleError(_("Please open a shift on this register first."))
    return shift


@tenant_service
def complete_sale(
    *,
    actor: Actor,
    register: Register,
    employee: Employee,
    cart: SaleInput,
    approver: Employee | None = None,
) -> Sale:
    """Commit a sale: receipt number, lines with their VAT rate, VAT rows, payments, stock.

    Idempotent by ``cart.id``: completing the same cart again (a second tap on
    "pay", a retried request) returns the sale already stored and writes nothing.
    Price overrides and discounts above the cashier limit need ``approver``, an
    employee with the manager-override capability in this store.
    """
    existing = Sale.objects.filter(pk=cart.id).first()
    if existing is not None:
        if existing.register_id != register.pk:
            raise SaleError(_("This receipt id is already used."))
        return existing
    store = register.store
    if not register.is_active:
        raise SaleError(_("This register is deactivated."))
    if not has_capability(employee, Capability.SELL, store):
        raise SaleError(_("%(name)s may not sell in this store.") % {"name": employee.display_name})
    shift = open_shift_for(register)
    priced = _price_lines(register, cart.lines)
    subtotal = sum((round_money(p.unit_price * p.quantity) - p.line_discount for p in priced), ZERO)
    order_discount = discount_amount(subtotal, cart.order_discount_percent, cart.order_discount_amount)
    present = approver if approver and has_capability(approver, Capability.MANAGER_OVERRIDE, store) else None
    line_approvers = [_line_approver(p, present, register) for p in priced]
    order_approver = _order_approver(cart, order_discount, subtotal, present, register)
    rates = {p.variant.pk: vat_rate(p.variant.product.vat_class) for p in priced}
    totals = receipt_totals(
        [PricedLine(p.unit_price, p.quantity, rates[p.variant.pk], p.line_discount) for p in priced],
        order_discount=order_discount,
    )
    check_amount(totals.total)
    settled = _settle_payments(totals.total, cart.payments)
    _check_credits(register, cart.payments)
    customer = None
    if cart.customer_id:
        customer = Customer.objects.filter(pk=cart.customer_id).first()
        if customer is None:
            raise SaleError(_("Unknown customer."))

    now = timezone.now()

    def write() -> Sale:
        return _write_sale(actor=actor, register=register, employee=employee, cart=cart,
                           approvers=(line_approvers, order_approver), shift=shift, priced=priced, rates=rates,
                           totals=totals, settled=settled, customer=customer, now=now)

    sale = stored_once(cart.id, write)
    if sale.register_id != register.pk:
        raise SaleError(_("This receipt id is already used."))
    return sale


def stored_once(sale_id: uuid.UUID, write: Callable[[], Sale]) -> Sale:
    """Run ``write`` (which stores the receipt ``sale_id``) in a savepoint.

    Two requests with the same id at the same moment (a double tap on "pay" reaching
    two worker processes) both pass the "already stored?" check; the second insert then
    waits for the first to commit and fails on the primary key. That is not an error:
    the receipt exists once, and the second request gets it.
    """
    try:
        with transaction.atomic():
            return write()
    except IntegrityError:
        existing = Sale.objects.filter(pk=sale_id).first()
        if existing is None:
            raise
        return existing


def _write_sale(
    *, actor: Actor, register: Register, employee: Employee, cart: SaleInput,
    approvers: tuple[list[Employee | None], Employee | None], shift: Shift, priced: list[_PricedCartLine],
    rates: dict[uuid.UUID, Decimal], totals: ReceiptTotals, settled: list[tuple[PaymentInput, Decimal, Decimal]],
    customer: Customer | None, now: datetime,
) -> Sale:
    line_approvers, order_approver = approvers
    store = register.store
    sale = Sale.objects.create(
        id=cart.id, organization_id=register.organization_id, store=store, register=register, shift=shift,
        kind=SaleKind.SALE, receipt_number=next_number(register, CounterKind.RECEIPT),
        employee=employee, employee_name=employee.display_name, customer=customer,
        started_at=cart.started_at or now, completed_at=now, subtotal=totals.subtotal,
        order_discount=totals.order_discount, total=totals.total, note=cart.note[:500],
    )
    lines = SaleLine.objects.bulk_create(
        SaleLine(
            organization_id=sale.organization_id, sale=sale, position=index, variant=p.variant,
            product_name=p.variant.product.name, variant_name=p.variant.name, sku=p.variant.sku,
            barcode=p.line.barcode[:48], unit=p.variant.product.unit, quantity=p.quantity,
            list_price=p.list_price, unit_price=p.unit_price, line_discount=p.line_discount,
            order_discount_share=share, total=line_total, vat_class=p.variant.product.vat_class,
            vat_rate=rates[p.variant.pk], vat_dsfinvk_id=dsfinvk_id(p.variant.product.vat_class),
            approved_by=line_approver, note=p.line.note[:200],
        )
        for index, (p, share, line_total, line_approver) in enumerate(
            zip(priced, totals.order_discount_shares, totals.line_totals, line_approvers, strict=True), start=1
        )
    )
    vats = SaleVat.objects.bulk_create(vat_rows_for(sale, lines))
    payments = Payment.objects.bulk_create(
        Payment(organization_id=sale.organization_id, sale=sale, position=index, method=p.method,
                amount=amount, tendered=round_money(p.amount) if p.method == PaymentMethod.CASH else ZERO,
                change=change, reference=p.reference[:100])
        for index, (p, amount, change) in enumerate(settled, start=1)
    )
    moves = StockMovement.objects.bulk_create(
        StockMovement(organization_id=sale.organization_id, store=store, variant=line.variant,
                      delta=-line.quantity, reason=StockReason.SALE, sale_line=line)
        for line in lines if line.variant.product.track_stock
    )
    log_action(register.organization, actor, "sales.sale.completed", sale,
               {"receipt_number": sale.receipt_number, "total": str(sale.total),
                "approved_by": next((str(a.pk) for a in [*line_approvers, order_approver] if a), None),
                "line_approvals": {str(i): str(a.pk) for i, a in enumerate(line_approvers, start=1) if a},
                "order_discount_approved_by": str(order_approver.pk) if order_approver else None})
    record("sale", [sale, *lines, *vats, *payments, *moves])
    return sale


def vat_rows_for(sale: Sale, lines: list[SaleLine]) -> list[SaleVat]:
    """The receipt's VAT rows: one per VAT class (DSFinV-K id), computed from the lines' totals.

    Grouped by class rather than rate, so the zero rate and tax-exempt sales,
    both 0 %, stay apart as DSFinV-K requires.
    """
    by_class: dict[str, list[SaleLine]] = {}
    for line in lines:
        by_class.setdefault(line.vat_class, []).append(line)
    rows = []
    for vat_class, class_lines in by_class.items():
        rate = class_lines[0].vat_rate
        (row,) = vat_breakdown(VatLine(rate=rate, gross=line.total) for line in class_lines)
        rows.append(SaleVat(organization_id=sale.organization_id, sale=sale, vat_rate=rate,
                            vat_dsfinvk_id=dsfinvk_id(vat_class), gross=row.gross, net=row.net, vat=row.vat))
    return sorted(rows, key=lambda r: (-r.vat_rate, r.vat_dsfinvk_id))
