"""Opening and closing shifts, cash in/out, X and Z figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.money import ZERO, round_money, to_decimal
from kasse.core.services import tenant_service
from kasse.fiscal.dsfinvk import master_data
from kasse.sales.events import publish_shift_closed
from kasse.sales.fiscal_signing import sign_cash_movement, sign_opening_float
from kasse.sales.models import (
    CASH_CATEGORIES_IN,
    CASH_CATEGORIES_OUT,
    CashCategory,
    CashMovement,
    CashMovementKind,
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
from kasse.sales.services.rules import check_amount
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Employee, Register
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability

# Euro notes and coins a drawer count may contain.
DENOMINATIONS = tuple(
    Decimal(d)
    for d in (
        "500",
        "200",
        "100",
        "50",
        "20",
        "10",
        "5",
        "2",
        "1",
        "0.50",
        "0.20",
        "0.10",
        "0.05",
        "0.02",
        "0.01",
    )
)
# More pieces of one denomination than this is a typing error, not a drawer.
MAX_PIECES = 99_999
# The largest single cash in or out the register accepts.
MAX_CASH_MOVEMENT = Decimal("99999.99")


def count_total(count: dict[str, int]) -> Decimal:
    """Sum of a count by denomination (``{"20": 3, "0.50": 4}`` → 62.00); refuses odd input."""
    total = ZERO
    for key, pieces in count.items():
        try:
            value = to_decimal(str(key))
        except ValueError as exc:
            raise SaleError(_("Unknown denomination “%(value)s”.") % {"value": key}) from exc
        if value not in DENOMINATIONS:
            raise SaleError(_("Unknown denomination “%(value)s”.") % {"value": key})
        if not isinstance(pieces, int) or isinstance(pieces, bool) or not 0 <= pieces <= MAX_PIECES:
            raise SaleError(_("The number of pieces must be a whole number from 0 to %(max)s.") % {"max": MAX_PIECES})
        total += value * pieces
    return round_money(total)


@tenant_service
def open_shift(*, actor: Actor, register: Register, employee: Employee, count: dict[str, int]) -> Shift:
    """Open a shift with an opening float counted by denomination."""
    if not has_capability(employee, Capability.CLOSE_SHIFT, register.store):
        raise SaleError(_("%(name)s may not open shifts.") % {"name": employee.display_name})
    if Shift.objects.filter(register=register, status=ShiftStatus.OPEN).exists():
        raise SaleError(_("A shift is already open on this register."))
    opening_float = count_total(count)
    try:
        with transaction.atomic():
            shift = Shift.objects.create(
                organization_id=register.organization_id,
                store=register.store,
                register=register,
                opened_at=timezone.now(),
                opened_by=employee,
                opening_float=opening_float,
                opening_count={str(k): v for k, v in count.items()},
            )
    except IntegrityError as exc:
        raise SaleError(_("A shift is already open on this register.")) from exc
    log_action(register.organization, actor, "sales.shift.opened", shift, {"float": str(opening_float)})
    record("shift", [shift])
    transaction.on_commit(partial(sign_opening_float, shift))  # with a TSE: AVTransfer (docs/fiscal.md)
    return shift


@tenant_service
def record_cash_movement(
    *,
    actor: Actor,
    shift: Shift,
    employee: Employee,
    kind: str,
    amount: Decimal,
    reason: str,
    approver: Employee | None = None,
    category: str = CashCategory.OTHER,
) -> CashMovement:
    """Cash in or out of the drawer with a category and a reason; a pay-out cannot exceed the cash in the
    drawer. The category must fit the direction (``CASH_CATEGORIES_IN``/``_OUT``).

    ``employee`` is who hands the cash over; the rights that count are those of
    ``approver`` (a manager who typed a PIN at the register) when given, else of ``employee``.
    """
    shift = Shift.objects.select_for_update().get(pk=shift.pk)  # one movement at a time per drawer
    if shift.status != ShiftStatus.OPEN:
        raise SaleError(_("This shift is already closed."))
    authorizer = approver or employee
    if not has_capability(authorizer, Capability.CASH_MANAGEMENT, shift.store):
        if approver is None:
            raise SaleError(_("%(name)s may not move cash; a manager PIN is needed.") % {"name": employee.display_name})
        raise SaleError(_("%(name)s may not move cash.") % {"name": authorizer.display_name})
    if kind not in CashMovementKind.values:
        raise SaleError(_("Unknown cash movement."))
    amount = check_amount(amount)
    if amount <= 0:
        raise SaleError(_("The amount must be greater than zero."))
    if amount > MAX_CASH_MOVEMENT:
        raise SaleError(_("The amount is too large."))
    if category not in (CASH_CATEGORIES_IN if kind == CashMovementKind.PAY_IN else CASH_CATEGORIES_OUT):
        raise SaleError(_("Please choose what the cash is for."))
    if not reason.strip():
        raise SaleError(_("Please give a reason."))
    signed = amount if kind == CashMovementKind.PAY_IN else -amount
    if kind == CashMovementKind.PAY_OUT and amount > shift_figures(shift).expected_cash:
        raise SaleError(_("There is not that much cash in the drawer."))
    movement = CashMovement.objects.create(
        organization_id=shift.organization_id,
        shift=shift,
        kind=kind,
        amount=signed,
        category=category,
        reason=reason.strip()[:200],
        employee=employee,
    )
    data = {"amount": str(signed), "category": category}
    if approver is not None:
        data["approver"] = str(approver.pk)
    log_action(shift.organization, actor, f"sales.cash.{kind}", movement, data)
    record("cash", [movement])
    transaction.on_commit(partial(sign_cash_movement, movement))  # with a TSE: AVTransfer (docs/fiscal.md)
    return movement


@dataclass
class ShiftFigures:
    """What an X or Z report shows."""

    opening_float: Decimal
    sales_count: int
    refunds_count: int
    gross_sales: Decimal
    gross_refunds: Decimal
    total: Decimal
    by_payment: dict[str, Decimal] = field(default_factory=dict)
    by_vat: list[dict[str, Decimal]] = field(default_factory=list)
    by_employee: dict[str, Decimal] = field(default_factory=dict)
    cash_in: Decimal = ZERO
    cash_out: Decimal = ZERO
    expected_cash: Decimal = ZERO
    training_count: int = 0  # training receipts of the shift (in none of the sums above)
    # Gift cards (kasse.vouchers): the value sold less cards returned, and what they paid less what returns
    # gave back onto them. Both are lines of the receipts, so they are in ``total`` and ``by_vat`` too.
    vouchers_sold: Decimal = ZERO
    vouchers_redeemed: Decimal = ZERO


def shift_figures(shift: Shift) -> ShiftFigures:
    """Totals of a shift by payment type, VAT rate and employee, and the expected cash.

    Sums are rounded to cents: SQLite hands back aggregates of decimals with float noise digits. Training
    receipts are left out (no money moved: not in the drawer, not in revenue); only their number is given.
    """
    sales = Sale.objects.filter(shift=shift, is_training=False)
    totals = {row["kind"]: row for row in sales.values("kind").annotate(total=Sum("total"), n=Count("id"))}
    by_payment = {
        row["method"]: round_money(row["amount"])
        for row in Payment.objects.filter(sale__shift=shift, sale__is_training=False)
        .values("method")
        .annotate(amount=Sum("amount"))
        .order_by("method")
    }
    by_vat = [
        {**row, "gross": round_money(row["gross"]), "net": round_money(row["net"]), "vat": round_money(row["vat"])}
        for row in SaleVat.objects.filter(sale__shift=shift, sale__is_training=False)
        .values("vat_rate", "vat_dsfinvk_id")
        .annotate(gross=Sum("gross"), net=Sum("net"), vat=Sum("vat"))
        .order_by("-vat_rate", "vat_dsfinvk_id")
    ]
    by_employee = {
        row["employee_name"]: round_money(row["total"])
        for row in sales.values("employee_name").annotate(total=Sum("total")).order_by("employee_name")
    }
    movements = CashMovement.objects.filter(shift=shift)
    cash_in = round_money(movements.filter(amount__gt=0).aggregate(s=Sum("amount"))["s"] or ZERO)
    cash_out = round_money(movements.filter(amount__lt=0).aggregate(s=Sum("amount"))["s"] or ZERO)
    vouchers_sold = vouchers_redeemed = ZERO
    for quantity, line_total in SaleLine.objects.filter(
        sale__shift=shift, sale__is_training=False, variant__product__is_voucher=True
    ).values_list("quantity", "total"):
        if (line_total >= 0) == (quantity >= 0):  # a card sold, or one coming back (docs/vouchers.md)
            vouchers_sold += line_total
        else:  # a card paying, or given back onto by a return
            vouchers_redeemed -= line_total
    sales_total = round_money(totals.get(SaleKind.SALE, {}).get("total") or ZERO)
    refunds_total = round_money(totals.get(SaleKind.REFUND, {}).get("total") or ZERO)
    return ShiftFigures(
        opening_float=shift.opening_float,
        sales_count=int(totals.get(SaleKind.SALE, {}).get("n") or 0),
        refunds_count=int(totals.get(SaleKind.REFUND, {}).get("n") or 0),
        gross_sales=sales_total,
        gross_refunds=refunds_total,
        total=sales_total + refunds_total,
        by_payment=by_payment,
        by_vat=by_vat,
        by_employee=by_employee,
        cash_in=cash_in,
        cash_out=cash_out,
        training_count=Sale.objects.filter(shift=shift, is_training=True).count(),
        vouchers_sold=round_money(vouchers_sold),
        vouchers_redeemed=round_money(vouchers_redeemed),
        expected_cash=shift.opening_float + by_payment.get(PaymentMethod.CASH, ZERO) + cash_in + cash_out,
    )


@dataclass
class ClosingPreview:
    """What the cashier confirms before closing: counted against expected."""

    counted: Decimal
    expected: Decimal
    difference: Decimal


def preview_closing(shift: Shift, count: dict[str, int]) -> ClosingPreview:
    """Counted, expected and difference for a drawer count, without closing anything."""
    counted = count_total(count)
    expected = shift_figures(shift).expected_cash
    return ClosingPreview(counted=counted, expected=expected, difference=counted - expected)


def current_shift(register: Register) -> Shift | None:
    """The register's open shift, if there is one."""
    return Shift.objects.filter(register=register, status=ShiftStatus.OPEN).first()


def closed_shifts(register: Register, *, before: int | None = None, limit: int = 50) -> list[Shift]:
    """The register's closed shifts, newest Z number first (for reprinting Z reports)."""
    shifts = Shift.objects.filter(register=register, status=ShiftStatus.CLOSED)
    if before is not None:
        shifts = shifts.filter(closing_number__lt=before)
    return list(shifts.select_related("opened_by", "closed_by").order_by("-closing_number")[:limit])


@tenant_service
def close_shift(
    *,
    actor: Actor,
    shift: Shift,
    employee: Employee,
    count: dict[str, int],
    card_reconciliation: dict[str, Any] | None = None,
) -> Shift:
    """Close with a cash count; records the difference and gives the next gapless Z number.

    ``card_reconciliation``: the register's card terminal end-of-day at this closing, as the Z report shows
    it (kasse.payments.settlement.reconciliation; kasse.sales.card_reconciliation reads it back)."""
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if shift.status != ShiftStatus.OPEN:
        raise SaleError(_("This shift is already closed."))
    if not has_capability(employee, Capability.CLOSE_SHIFT, shift.store):
        raise SaleError(_("%(name)s may not close shifts.") % {"name": employee.display_name})
    counted = count_total(count)
    figures = shift_figures(shift)
    shift.status = ShiftStatus.CLOSED
    shift.closed_at = timezone.now()
    shift.closed_by = employee
    shift.closing_count = {str(k): v for k, v in count.items()}
    shift.counted_cash = counted
    shift.expected_cash = figures.expected_cash
    shift.difference = counted - figures.expected_cash
    shift.closing_number = next_number(shift.register, CounterKind.CLOSING)
    shift.master_data = master_data.snapshot(shift.register, since=shift.opened_at)
    shift.card_reconciliation = card_reconciliation or {}
    shift.save()
    log_action(
        shift.organization,
        actor,
        "sales.shift.closed",
        shift,
        {
            "z": shift.closing_number,
            "counted": str(counted),
            "expected": str(figures.expected_cash),
            "difference": str(shift.difference),
        },
    )
    record("shift", [shift])
    publish_shift_closed(shift)  # after the commit, in the background (kasse/notifications)
    return shift
