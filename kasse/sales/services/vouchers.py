"""The sales side of gift cards: a card sold is a line of its voucher type's product, a card paying is a
line too (negative), and both write their ledger entries (``kasse.vouchers``) in the receipt's transaction.

A gift card pays like a tender at the register, but on the receipt it is what DSFinV-K makes of it, a line
of its own (GV_TYP ``MehrzweckgutscheinEinloesung`` or ``EinzweckgutscheinEinloesung``): a multi-purpose
card's line is not taxable (VAT id 5), so the goods keep their VAT (VAT at redemption); a single-purpose
card's line carries its type's VAT with a minus, so the VAT paid when it was sold is not paid again. Every
rule of a receipt still holds: lines add up to the total, the VAT rows to the total, the payments (money
only) to the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from kasse.catalog.models import Variant
from kasse.core.money import ZERO, round_money
from kasse.core.vat import VatClass
from kasse.sales.models import Sale, SaleKind, SaleLine
from kasse.sales.pricing import CartItem, PricedCart, PricedLine, VatCode, vat_rows
from kasse.sales.services.errors import SaleError
from kasse.vouchers.booking import (
    PlannedRedemption,
    VoucherError,
    check_new_code,
    check_value,
    line_entry,
    new_voucher,
    plan_redemptions,
    voucher_of_line,
)
from kasse.vouchers.models import Voucher, VoucherEntryKind, VoucherType
from kasse.vouchers.selectors import money_text

VOUCHER_TENDER = "voucher"  # what the register sends for a gift card tender (its ``reference`` is the code)


def masked(code: str) -> str:
    """How a card appears on a receipt line: its last four characters."""
    return f"…{code[-4:]}" if code else ""


def vat_code_of(voucher_type: VoucherType) -> VatCode:
    """A multi-purpose voucher is not taxable (VAT id 5); a single-purpose one carries its type's VAT."""
    return VatCode.current(voucher_type.vat_class if voucher_type.single_purpose else VatClass.ZERO)


def check_sold(variant: Variant, quantity: Decimal, code: str, price: Decimal | None) -> str:
    """A cart line of a voucher type's product: one card, with a new code and a value. Returns the code."""
    if not code:
        raise SaleError(_("Sell a gift card with the “Gift card” button, which gives it a code."))
    if quantity != 1:
        raise SaleError(_("A gift card line is one card."))
    try:
        check_value(price if price is not None else ZERO)
        return check_new_code(code)
    except VoucherError as exc:
        raise SaleError(str(exc)) from exc


def check_codes_distinct(codes: Sequence[str]) -> None:
    given = [c for c in codes if c]
    if len(set(given)) != len(given):
        raise SaleError(_("The same gift card is twice in the cart."))


def asked_redemptions(payments: Sequence[Any]) -> list[tuple[str, Decimal]]:
    return [(p.reference, p.amount) for p in payments if p.method == VOUCHER_TENDER]


@dataclass(frozen=True)
class Redeemed:
    """A gift card paying a sale: the voucher, its product's variant and the priced (negative) line."""

    planned: PlannedRedemption
    variant: Variant
    line: PricedLine


def redeem(
    organization_id: Any, priced: PricedCart, asked: Sequence[tuple[str, Decimal]], *, lock: bool
) -> tuple[PricedCart, list[Redeemed]]:
    """``priced`` with a negative line for every gift card that pays it, checked against the cards'
    balances (rows locked with ``lock``). Paying more than is due, or a single-purpose card paying for more
    than the goods at its VAT rate: a message."""
    if not asked:
        return priced, []
    try:
        planned = plan_redemptions(organization_id, asked, lock=lock)
    except VoucherError as exc:
        raise SaleError(str(exc)) from exc
    if sum((p.amount for p in planned), ZERO) > priced.total:
        raise SaleError(_("The gift cards would pay more than is due."))
    redeemed: list[Redeemed] = []
    for plan in planned:
        voucher_type = plan.voucher.voucher_type
        code = vat_code_of(voucher_type)
        if voucher_type.single_purpose:
            goods = sum((ln.total for ln in priced.lines if ln.vat_code == code), ZERO)
            taken = sum((r.line.total for r in redeemed if r.line.vat_code == code), ZERO)
            if plan.amount > goods + taken:
                raise SaleError(
                    _("The voucher %(code)s pays only for goods at %(rate)s %% VAT.")
                    % {"code": plan.voucher.code, "rate": code.rate}
                )
        variant = Variant.objects.filter(product_id=voucher_type.product_id).order_by("position").first()
        if variant is None:
            raise SaleError(_("This gift card's product is missing from the catalog."))
        amount = -plan.amount
        item = CartItem(list_price=amount, quantity=Decimal(1), vat=code, price=amount)
        line = PricedLine(
            item=item,
            list_price=amount,
            unit_price=amount,
            quantity=Decimal(1),
            vat_code=code,
            amount=amount,
            line_discount=ZERO,
            order_discount_share=ZERO,
            total=amount,
        )
        redeemed.append(Redeemed(planned=plan, variant=variant, line=line))
    return with_lines(priced, [r.line for r in redeemed]), redeemed


def with_lines(priced: PricedCart, extra: Sequence[PricedLine]) -> PricedCart:
    """``priced`` with lines added after pricing (gift cards paying, or given back on a return): total,
    subtotal and VAT rows again from all lines."""
    lines = (*priced.lines, *extra)
    added = sum((line.total for line in extra), ZERO)
    return replace(
        priced,
        lines=lines,
        subtotal=priced.subtotal + added,
        total=priced.total + added,
        vat_rows=vat_rows((line.vat_code, line.total) for line in lines),
    )


def book_sale(sale: Sale, lines: Sequence[SaleLine], codes: Sequence[str], redeemed: Sequence[Redeemed]) -> list[Any]:
    """The vouchers and entries of a completed sale: a card issued for every gift card sold (``codes`` by
    line, empty for goods), an entry for every card that paid (the last lines, in ``redeemed``'s order)."""
    written: list[Any] = []
    for line, code in zip(lines, codes, strict=False):
        if not code:
            continue
        voucher_type = VoucherType.objects.get(product_id=line.variant.product_id)
        voucher = new_voucher(sale.organization_id, voucher_type, code, sale.store_id)
        entry = line_entry(sale, line, voucher, VoucherEntryKind.ISSUED)
        entry.save()
        written += [voucher, entry]
    for line, done in zip(lines[len(lines) - len(redeemed) :], redeemed, strict=True):
        entry = line_entry(sale, line, done.planned.voucher, VoucherEntryKind.REDEEMED)
        entry.save()
        written.append(entry)
    return written


def is_redemption(line: SaleLine) -> bool:
    """A line where a gift card paid (not goods, not a card sold)."""
    return bool(line.variant.product.is_voucher) and line.total < 0 and line.sale.kind == SaleKind.SALE


def check_returned_card(line: SaleLine, amount: Decimal) -> None:
    """A gift card sold coming back: only while all of it is still on the card (its row locked)."""
    voucher = voucher_of_line(line.pk)
    if voucher is None:
        return
    Voucher.objects.select_for_update().filter(pk=voucher.pk).first()
    left = round_money(sum(voucher.entries.values_list("amount", flat=True), ZERO))
    if left < amount:
        raise SaleError(
            _("The gift card %(code)s was used already: %(left)s € are left on it, it cannot be returned.")
            % {"code": voucher.code, "left": money_text(left)}
        )


@dataclass(frozen=True)
class GivenBack:
    """A gift card that paid the original receipt getting (part of) a return back."""

    voucher: Voucher
    variant: Variant
    line: PricedLine
    original_line: SaleLine


def give_back(original: Sale, returned: Decimal) -> list[GivenBack]:
    """How much of a return of goods worth ``returned`` (positive) goes back onto the gift cards that paid
    ``original``: the cards first, in the order they paid, each up to what it paid less what earlier returns
    gave back to it; money only for the rest (a gift card never turns into cash)."""
    redemptions = [ln for ln in original.lines.select_related("variant__product", "sale") if is_redemption(ln)]
    if not redemptions or returned <= 0:
        return []
    rest = returned
    given: list[GivenBack] = []
    for line in redemptions:
        if rest <= 0:
            break
        back_before = round_money(SaleLine.objects.filter(original_line=line).aggregate(s=Sum("total"))["s"] or ZERO)
        room = -line.total - back_before
        share = min(rest, room)
        if share <= 0:
            continue
        voucher = voucher_of_line(line.pk)
        if voucher is None:
            continue
        code = VatCode(line.vat_class, line.vat_rate, line.vat_dsfinvk_id)
        priced = PricedLine(  # like every line coming back: the quantity negative, the amount opposite the sale's
            item=CartItem(list_price=-share, quantity=Decimal(-1), vat=code, price=-share),
            list_price=-share,
            unit_price=-share,
            quantity=Decimal(-1),
            vat_code=code,
            amount=share,
            line_discount=ZERO,
            order_discount_share=ZERO,
            total=share,
        )
        given.append(GivenBack(voucher=voucher, variant=line.variant, line=priced, original_line=line))
        rest -= share
    return given


def book_return(refund: Sale, lines: Sequence[SaleLine]) -> list[Any]:
    """The entries of a return: a gift card sold coming back loses its value, a card that paid gets its
    share back (every voucher line of the return, by the original line it points to)."""
    written: list[Any] = []
    for line in lines:
        if line.original_line_id is None or not line.variant.product.is_voucher:
            continue
        voucher = voucher_of_line(line.original_line_id)
        if voucher is None:
            continue
        entry = line_entry(refund, line, voucher, VoucherEntryKind.REFUNDED)
        entry.save()
        written.append(entry)
    return written
