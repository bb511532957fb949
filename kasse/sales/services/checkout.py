"""Completing a sale: one atomic commit of everything a receipt is."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.catalog.models import Variant
from kasse.catalog.selectors import selling_price, store_prices
from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.money import ZERO, round_money
from kasse.core.services import tenant_service
from kasse.customers.models import Customer
from kasse.inventory.models import StockMovement, StockReason
from kasse.loyalty.booking import Asked, Planned, check_redeemed
from kasse.loyalty.selectors import program_of
from kasse.sales.events import publish_sale
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
from kasse.sales.pricing import CartItem, PricedCart, PricedLine, VatCode, price_cart
from kasse.sales.services import loyalty, vouchers
from kasse.sales.services.coupons import cart_offers, lock_coupons
from kasse.sales.services.errors import SaleError
from kasse.sales.services.numbering import next_number
from kasse.sales.services.rules import (
    Approval,
    check_amount,
    check_percent,
    check_quantity,
    discount_needs_manager,
)
from kasse.sync.engine.changes import record
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
    voucher_code: str = ""  # a gift card sold on this line (its product is a voucher type's)


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
    redeem: Asked | None = None  # loyalty points and full stamp cards the customer redeems
    started_at: datetime | None = None
    note: str = ""
    training: bool = False  # made in training mode: a training receipt (no stock moves, no revenue)
    meta: dict[str, str] = field(default_factory=dict)
    coupon_codes: list[str] = field(default_factory=list)  # entered at the register


@dataclass(frozen=True)
class _CheckedLine:
    """A cart line as checked for checkout: its product, its priced line and what needs a manager."""

    line: LineInput
    variant: Variant
    priced: PricedLine
    overridden: bool  # a price other than the store's (not a label's)

    @property
    def base(self) -> Decimal:
        return self.priced.amount

    @property
    def discount_needs_approval(self) -> bool:
        return discount_needs_manager(self.priced.line_discount, self.priced.amount)

    @property
    def needs_approval(self) -> bool:
        return self.overridden or self.discount_needs_approval


def _check_discount(percent: Decimal | None, amount: Decimal | None) -> None:
    if percent is not None and amount is not None:
        raise SaleError(_("Give a discount either in percent or as an amount, not both."))
    if percent is not None:
        check_percent(percent)
    if amount is not None and check_amount(amount) < 0:
        raise SaleError(_("A discount must not be negative or larger than the amount."))


def _price_lines(
    register: Register, cart: SaleInput, customer: Customer | None = None, *, lock: bool = False
) -> tuple[list[_CheckedLine], PricedCart, Planned | None]:
    """Check the cart's lines and price them with :func:`price_cart` (the cart's rule, so the sale
    stores what the register showed), with the loyalty redemption checked against ``customer``'s
    balance (``lock``: the customer's row locked first, at checkout)."""
    lines = cart.lines
    if not lines:
        raise SaleError(_("The cart is empty."))
    variants = {
        v.pk: v for v in Variant.objects.filter(pk__in=[ln.variant_id for ln in lines]).select_related("product")
    }
    own_prices = store_prices(register.store_id, variants)
    items = []
    for line in lines:
        variant = variants.get(line.variant_id)
        if variant is None or not variant.is_active or not variant.product.is_active:
            raise SaleError(_("A product in the cart is no longer available."))
        quantity = check_quantity(line.quantity, by_piece=not variant.product.is_measured, name=variant)
        price = None
        if line.unit_price is not None:
            price = check_amount(line.unit_price)
            if price < 0:
                raise SaleError(_("A price must not be negative."))
        if variant.product.is_voucher:  # a gift card sold: one card, a new code, the value the customer chose
            line.voucher_code = vouchers.check_sold(variant, quantity, line.voucher_code, price)
        _check_discount(line.discount_percent, line.discount_amount)
        items.append(
            CartItem(
                list_price=selling_price(variant, own_prices.get(variant.pk)),
                quantity=quantity,
                vat=VatCode.current(variant.product.vat_class),
                price=price,
                discount_percent=line.discount_percent,
                discount_amount=line.discount_amount,
                product_id=str(variant.product_id),
                category_id=str(variant.product.category_id) if variant.product.category_id else None,
            )
        )
    vouchers.check_codes_distinct([ln.voucher_code for ln in lines])
    _check_discount(cart.order_discount_percent, cart.order_discount_amount)
    redemption, planned = loyalty.plan(
        organization_id=register.organization_id,
        customer=customer,
        asked=cart.redeem,
        lines=[
            loyalty.facts(variants[ln.variant_id], item.quantity, item.unit_price)
            for ln, item in zip(lines, items, strict=True)
        ],
        lock=lock,
    )
    priced = price_cart(
        items,
        order_discount_percent=cart.order_discount_percent,
        order_discount_amount=cart.order_discount_amount,
        redemption=redemption,
        offers=cart_offers(register.organization_id, register.store, cart.customer_id, cart.coupon_codes),
    )
    if planned is not None:
        program = program_of(register.organization_id)
        try:
            check_redeemed(
                planned,
                priced.loyalty_discount,
                priced.total + priced.loyalty_discount,
                program.point_value if program else None,
            )
        except ValueError as exc:
            raise SaleError(str(exc)) from exc
    checked = [
        _CheckedLine(
            line=line,
            variant=variants[line.variant_id],
            priced=p,
            overridden=line.unit_price is not None
            and p.unit_price != p.list_price
            and not line.price_from_label
            and not variants[line.variant_id].product.is_voucher,  # a gift card's value is the customer's choice
        )
        for line, p in zip(lines, priced.lines, strict=True)
    ]
    return checked, priced, planned


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
        issuer = (
            Sale.objects.select_for_update()
            .filter(pk=refund_id, kind=SaleKind.REFUND, store_id=register.store_id)
            .first()
        )
        if issuer is None:
            raise SaleError(_("This exchange credit is unknown."))
        issued = -(
            Payment.objects.filter(
                sale_id=refund_id,
                sale__kind=SaleKind.REFUND,
                sale__store_id=register.store_id,
                method=PaymentMethod.CREDIT,
            ).aggregate(s=Sum("amount"))["s"]
            or ZERO
        )
        spent = (
            Payment.objects.filter(
                method=PaymentMethod.CREDIT, reference=reference, sale__kind=SaleKind.SALE
            ).aggregate(s=Sum("amount"))["s"]
            or ZERO
        )
        if issued <= 0:
            raise SaleError(_("This exchange credit is unknown."))
        if spent + amount > issued:
            raise SaleError(_("Only %(left)s € of this exchange credit are left.") % {"left": issued - spent})


def _valid_approval(approval: Approval | None, register: Register) -> Approval:
    if approval is None or not has_capability(approval.approver, Capability.MANAGER_OVERRIDE, register.store):
        raise SaleError(_("A manager must approve this price change or discount."))
    return approval


def _line_approver(p: _CheckedLine, present: Employee | None, register: Register) -> Employee | None:
    """Who approved what this line needs: a manager at checkout, else the line's own approval, if it
    still covers the line as it is now (price unchanged, discount not larger than approved)."""
    if not p.needs_approval:
        return None
    if present is not None:
        return present
    approval = _valid_approval(p.line.approval, register)
    if (p.overridden and not approval.covers_price(p.priced.unit_price)) or (
        p.discount_needs_approval
        and not approval.covers_discount(p.line.discount_percent, p.line.discount_amount, p.base)
    ):
        raise SaleError(
            _("“%(name)s” changed after a manager approved its price or discount. A manager must approve it again.")
            % {"name": p.variant}
        )
    return approval.approver


def _order_approver(
    cart: SaleInput, discount: Decimal, subtotal: Decimal, present: Employee | None, register: Register
) -> Employee | None:
    if not discount_needs_manager(discount, subtotal):
        return None
    if present is not None:
        return present
    approval = _valid_approval(cart.order_approval, register)
    if not approval.covers_discount(cart.order_discount_percent, cart.order_discount_amount, subtotal):
        raise SaleError(
            _(
                "The cart changed after a manager approved the discount on the whole sale. "
                "A manager must approve it again."
            )
        )
    return approval.approver


def cart_total(register: Register, cart: SaleInput) -> Decimal:
    """What ``cart`` would cost if completed now (priced as :func:`complete_sale` prices it), without writing."""
    customer = Customer.objects.filter(pk=cart.customer_id).first() if cart.customer_id else None
    return _price_lines(register, cart, customer)[1].total


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
    customer = None
    if cart.customer_id:
        customer = Customer.objects.filter(pk=cart.customer_id).first()
        if customer is None:
            raise SaleError(_("Unknown customer."))
    checked, priced, planned = _price_lines(register, cart, customer, lock=True)
    lock_coupons(priced)
    # Gift cards paying: a negative line each, checked against their balance with their rows locked.
    priced, redeemed = vouchers.redeem(
        register.organization_id, priced, vouchers.asked_redemptions(cart.payments), lock=True
    )
    checked += [
        _CheckedLine(
            line=LineInput(variant_id=r.variant.pk, quantity=r.line.quantity, voucher_code=r.planned.voucher.code),
            variant=r.variant,
            priced=r.line,
            overridden=False,
        )
        for r in redeemed
    ]
    money = [p for p in cart.payments if p.method != vouchers.VOUCHER_TENDER]
    present = approver if approver and has_capability(approver, Capability.MANAGER_OVERRIDE, store) else None
    line_approvers = [_line_approver(p, present, register) for p in checked]
    # Redeemed points and stamps are part of the stored order discount but are the customer's, not the
    # cashier's: they never need a manager.
    order_approver = _order_approver(
        cart, priced.order_discount - priced.loyalty_discount, priced.subtotal, present, register
    )
    check_amount(priced.total)
    settled = _settle_payments(priced.total, money)
    _check_credits(register, money)

    now = timezone.now()

    def write() -> Sale:
        return _write_sale(
            actor=actor,
            register=register,
            employee=employee,
            cart=cart,
            approvers=(line_approvers, order_approver),
            shift=shift,
            checked=checked,
            priced=priced,
            settled=settled,
            customer=customer,
            now=now,
            planned=planned,
            redeemed=redeemed,
        )

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
    *,
    actor: Actor,
    register: Register,
    employee: Employee,
    cart: SaleInput,
    approvers: tuple[list[Employee | None], Employee | None],
    shift: Shift,
    checked: list[_CheckedLine],
    priced: PricedCart,
    settled: list[tuple[PaymentInput, Decimal, Decimal]],
    customer: Customer | None,
    now: datetime,
    planned: Planned | None = None,
    redeemed: list[vouchers.Redeemed] | None = None,
) -> Sale:
    line_approvers, order_approver = approvers
    store = register.store
    sale = Sale.objects.create(
        id=cart.id,
        organization_id=register.organization_id,
        store=store,
        register=register,
        shift=shift,
        kind=SaleKind.SALE,
        receipt_number=next_number(register, CounterKind.RECEIPT),
        employee=employee,
        employee_name=employee.display_name,
        customer=customer,
        started_at=cart.started_at or now,
        completed_at=now,
        subtotal=priced.subtotal,
        order_discount=priced.order_discount,
        loyalty_discount=priced.loyalty_discount,
        total=priced.total,
        note=cart.note[:500],
        is_training=cart.training,
    )
    lines = SaleLine.objects.bulk_create(
        SaleLine(
            organization_id=sale.organization_id,
            sale=sale,
            position=index,
            variant=c.variant,
            product_name=c.variant.product.name,
            variant_name=vouchers.masked(c.line.voucher_code) if c.line.voucher_code else c.variant.name,
            sku=c.variant.sku,
            barcode=c.line.barcode[:48],
            unit=c.variant.product.unit,
            approved_by=line_approver,
            note=c.line.note[:200],
            **sale_line_amounts(c.priced),
        )
        for index, (c, line_approver) in enumerate(zip(checked, line_approvers, strict=True), start=1)
    )
    vats = SaleVat.objects.bulk_create(sale_vat_rows(sale, priced))
    payments = Payment.objects.bulk_create(
        Payment(
            organization_id=sale.organization_id,
            sale=sale,
            position=index,
            method=p.method,
            amount=amount,
            tendered=round_money(p.amount) if p.method == PaymentMethod.CASH else ZERO,
            change=change,
            reference=p.reference[:100],
        )
        for index, (p, amount, change) in enumerate(settled, start=1)
    )
    moves = StockMovement.objects.bulk_create(
        StockMovement(
            organization_id=sale.organization_id,
            store=store,
            variant=line.variant,
            delta=-line.quantity,
            reason=StockReason.SALE,
            sale_line=line,
        )
        for line in lines
        if line.variant.product.track_stock and not sale.is_training  # practice moves no goods
    )
    points = (  # a training receipt earns and spends no points
        []
        if sale.is_training
        else loyalty.book_sale(sale, customer, [c.variant for c in checked], priced.lines, planned)
    )
    sold_codes = [c.line.voucher_code if c.priced.total > 0 else "" for c in checked]
    cards = (  # a training receipt sells and spends no gift card
        [] if sale.is_training else vouchers.book_sale(sale, lines, sold_codes, redeemed or [])
    )
    log_action(
        register.organization,
        actor,
        "sales.sale.completed",
        sale,
        {
            "receipt_number": sale.receipt_number,
            "total": str(sale.total),
            **({"training": True} if sale.is_training else {}),
            "approved_by": next((str(a.pk) for a in [*line_approvers, order_approver] if a), None),
            "line_approvals": {str(i): str(a.pk) for i, a in enumerate(line_approvers, start=1) if a},
            "order_discount_approved_by": str(order_approver.pk) if order_approver else None,
        },
    )
    record("sale", [sale, *lines, *vats, *payments, *moves, *points, *cards])
    publish_sale(sale)  # after the commit, in the background (kasse/notifications)
    return sale


def sale_line_amounts(line: PricedLine) -> dict[str, Any]:
    """The money fields of a receipt line, exactly as priced."""
    return {
        "quantity": line.quantity,
        "list_price": line.list_price,
        "unit_price": line.unit_price,
        "line_discount": line.line_discount,
        "order_discount_share": line.order_discount_share,
        "promotion_discount": line.promotion_discount,
        "promotion_id": line.promotion.id if line.promotion else None,
        "promotion_name": line.promotion.name[:100] if line.promotion else "",
        "total": line.total,
        "vat_class": line.vat_code.vat_class,
        "vat_rate": line.vat_code.rate,
        "vat_dsfinvk_id": line.vat_code.dsfinvk_id,
    }


def sale_vat_rows(sale: Sale, priced: PricedCart) -> list[SaleVat]:
    """The receipt's VAT rows, exactly as priced (one per rate and DSFinV-K id: zero rate and exempt,
    both 0 %, stay apart as DSFinV-K requires)."""
    return [
        SaleVat(
            organization_id=sale.organization_id,
            sale=sale,
            vat_rate=row.rate,
            vat_dsfinvk_id=row.vat_code.dsfinvk_id,
            gross=row.gross,
            net=row.net,
            vat=row.vat,
        )
        for row in priced.vat_rows
    ]
