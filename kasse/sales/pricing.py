"""The price of a cart: the one function that says what a cart costs.

Everything that shows or charges a price calls :func:`price_cart`: the register's cart,
the customer display and the pole display, ``complete_sale`` (what it stores on the
receipt is the :class:`PricedCart`, line by line), returns and exchanges. The product
tiles show :func:`kasse.catalog.selectors.selling_price`, the unit price this function
starts from. The rules, applied in this order:

1. **Unit price**: a price typed by a manager or printed on a scale/price label, else the
   store's price for the product (store price → variant price → product price).
2. **Line amount**: ``round(unit price × quantity)`` to the cent, half up.
3. **Line discount**: a percentage of the line amount (rounded to the cent) or an amount,
   never more than the line amount (an amount that became larger, because the quantity or
   the price went down, takes the whole line and nothing more).
3a. **Promotions** in force (``offers``, :mod:`kasse.sales.promotion_step`): at most one per
   line, best saving first, never on a line with a manual price or discount.
4. **Order discount**: a percentage of, or an amount up to, the sum of the lines after their
   discounts; spread over the lines in proportion to that sum by largest remainder, so each
   line keeps its VAT rate and no cent is lost. Lines coming back (negative) get no share.
5. **Loyalty redemption**: a full stamp card makes one piece of its line free, then redeemed points
   take their value off the lines (spread by largest remainder like rule 4, never below zero). Both are
   part of the order discount as stored (``order_discount_share``); ``loyalty_discount`` says how much.
6. **VAT** per rate and DSFinV-K id (zero rate and exempt stay apart), from the sum of the
   line totals at that rate: ``vat = round(gross × rate / (100 + rate))``, ``net = gross − vat``.

A line returned from an earlier receipt is priced at its share of what was paid for the
original line (:func:`returned_share`), at the VAT rate it was sold with.

Promotions, deposits and vouchers plug in as **steps** (:data:`STEPS`): each step takes the
:class:`Draft` of the cart and returns a new one. Rounding stays in ``kasse.core.money``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from kasse.core.money import ZERO, MoneyError, allocate, line_gross, percent_of, round_money, vat_from_gross
from kasse.core.vat import dsfinvk_id, vat_rate
from kasse.sales.promotion_step import Offer, apply_promotions

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class VatCode:
    """The VAT a line is sold with: its class, the rate in force and the DSFinV-K id."""

    vat_class: str
    rate: Decimal
    dsfinvk_id: int

    @classmethod
    def current(cls, vat_class: str) -> VatCode:
        """The class with today's rate (for goods sold now)."""
        return cls(str(vat_class), vat_rate(vat_class), dsfinvk_id(vat_class))


@dataclass(frozen=True)
class CartItem:
    """A line to price: goods sold (quantity > 0) or taken back without a receipt (quantity < 0).

    ``list_price`` is the store's price now; ``price`` a manager's override or a label's price.
    A discount is a percentage or an amount (at most one of them).
    """

    list_price: Decimal
    quantity: Decimal
    vat: VatCode
    price: Decimal | None = None
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    product_id: str | None = None  # what promotions match on (``promotion_step.Offer``)
    category_id: str | None = None

    @property
    def unit_price(self) -> Decimal:
        return self.price if self.price is not None else self.list_price


@dataclass(frozen=True)
class ReturnedItem:
    """``quantity`` (> 0) of a line of an earlier receipt coming back.

    ``sold_quantity`` and ``paid_total`` are that line's quantity and total as stored;
    ``vat`` the VAT it was sold with (history is never re-derived from today's catalog).
    """

    list_price: Decimal
    unit_price: Decimal
    sold_quantity: Decimal
    paid_total: Decimal
    quantity: Decimal
    vat: VatCode


Item = CartItem | ReturnedItem


@dataclass(frozen=True)
class Redemption:
    """What the customer redeems of their loyalty account on this cart (``kasse.loyalty``).

    ``amount``: the euros their points are worth (already to the cent); ``free_units``: ``(line index,
    value)`` of each piece a full stamp card makes free.
    """

    amount: Decimal = ZERO
    free_units: tuple[tuple[int, Decimal], ...] = ()


def returned_share(paid_total: Decimal, sold_quantity: Decimal, quantity: Decimal) -> Decimal:
    """What ``quantity`` of a line that cost ``paid_total`` for ``sold_quantity`` gives back (positive)."""
    if quantity == sold_quantity:
        return paid_total
    return round_money(paid_total * quantity / sold_quantity)


def discount_of(base: Decimal, percent: Decimal | None, amount: Decimal | None) -> Decimal:
    """The discount on ``base`` (a line amount, or the sum the order discount is on).

    A percentage of it rounded to the cent, or an amount; never below zero nor above ``base``
    (nothing is taken off goods coming back). Input checks with messages are
    ``kasse.sales.services.rules``'s; here a bad value is a programming error.
    """
    if percent is not None and amount is not None:
        raise MoneyError("a discount is a percentage or an amount, not both")
    if (percent is not None and not ZERO <= percent <= HUNDRED) or (amount is not None and amount < 0):
        raise MoneyError("a discount must be 0-100 % or a non-negative amount")
    base = max(base, ZERO)
    if percent is not None:
        return min(percent_of(base, percent), base)
    if amount is not None:
        return min(round_money(amount), base)
    return ZERO


# --- the cart while its steps run -----------------------------------------------------------


@dataclass(frozen=True)
class DraftLine:
    """One line between the steps: its amount before discounts and what the steps took off."""

    item: Item
    list_price: Decimal
    unit_price: Decimal
    quantity: Decimal
    vat: VatCode
    amount: Decimal  # before any discount: round(unit price × quantity), or a returned line's share
    line_discount: Decimal = ZERO
    order_discount_share: Decimal = ZERO
    promotion: Offer | None = None
    promotion_discount: Decimal = ZERO

    @property
    def after_line_discount(self) -> Decimal:
        """The line after its own discount and its promotion: what the order discount is on."""
        return self.amount - self.line_discount - self.promotion_discount

    @property
    def total(self) -> Decimal:
        return self.amount - self.line_discount - self.promotion_discount - self.order_discount_share


@dataclass(frozen=True)
class Draft:
    """The cart as the steps see it: its lines and the discount asked for on the whole order."""

    lines: tuple[DraftLine, ...]
    order_discount_percent: Decimal | None = None
    order_discount_amount: Decimal | None = None
    order_discount: Decimal = ZERO
    redemption: Redemption | None = None
    loyalty_discount: Decimal = ZERO  # the part of ``order_discount`` that redeemed points and stamps took
    offers: tuple[Offer, ...] = ()  # the promotions in force for this cart

    @property
    def subtotal(self) -> Decimal:
        """The lines after their own discounts and promotions: what an order discount is on."""
        return sum((line.after_line_discount for line in self.lines), ZERO)


PricingStep = Callable[[Draft], Draft]


def apply_line_discounts(draft: Draft) -> Draft:
    """Each line's own discount (rule 3)."""
    return replace(
        draft,
        lines=tuple(
            replace(line, line_discount=discount_of(line.amount, line.item.discount_percent, line.item.discount_amount))
            if isinstance(line.item, CartItem)
            else line
            for line in draft.lines
        ),
    )


def apply_order_discount(draft: Draft) -> Draft:
    """The discount on the whole order, spread over the lines (rule 4)."""
    discount = discount_of(draft.subtotal, draft.order_discount_percent, draft.order_discount_amount)
    if not draft.lines:
        return replace(draft, order_discount=ZERO)
    weights = [max(line.after_line_discount, ZERO) for line in draft.lines]
    shares = allocate(discount, weights)
    return replace(
        draft,
        order_discount=discount,
        lines=tuple(replace(line, order_discount_share=share) for line, share in zip(draft.lines, shares, strict=True)),
    )


def apply_loyalty_redemption(draft: Draft) -> Draft:
    """Redeemed stamps and points (rule 5): a free piece off its own line, then the points' value spread
    over what is left of the lines. Never more than the lines cost; lines coming back take nothing."""
    redemption = draft.redemption
    if redemption is None or not draft.lines:
        return draft
    left = [max(line.total, ZERO) for line in draft.lines]
    shares = [ZERO] * len(left)
    for index, value in redemption.free_units:
        if not 0 <= index < len(left) or value < 0:
            raise MoneyError("a free piece must be of a line of the cart")
        take = min(round_money(value), left[index])
        shares[index] += take
        left[index] -= take
    points = min(round_money(max(redemption.amount, ZERO)), sum(left, ZERO))
    for index, share in enumerate(allocate(points, left)):
        shares[index] += share
    taken = sum(shares, ZERO)
    return replace(
        draft,
        order_discount=draft.order_discount + taken,
        loyalty_discount=taken,
        lines=tuple(
            replace(line, order_discount_share=line.order_discount_share + share)
            for line, share in zip(draft.lines, shares, strict=True)
        ),
    )


# The order in which a cart is priced. Later capabilities add their step here and nowhere else:
# a deposit (Pfand) step adds its lines before the line discounts (a deposit is never discounted);
# promotions run between line and order discounts (``promotion_step``: lines with a manual discount
# take none, so the two never stack). A gift card paying is no step: it is a tender at the register and,
# once the cart is priced, a negative line of its own (``sales.services.vouchers.redeem``, docs/vouchers.md).
# Loyalty redemption comes last of the discounts: points pay for what is left after every other discount.
STEPS: tuple[PricingStep, ...] = (
    apply_line_discounts,
    apply_promotions,
    apply_order_discount,
    apply_loyalty_redemption,
)


# --- the result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PricedLine:
    """A line as shown, charged and stored: ``total = amount − line_discount − order_discount_share``."""

    item: Item
    list_price: Decimal
    unit_price: Decimal
    quantity: Decimal
    vat_code: VatCode
    amount: Decimal
    line_discount: Decimal
    order_discount_share: Decimal
    total: Decimal
    promotion: Offer | None = None
    promotion_discount: Decimal = ZERO

    @property
    def gross(self) -> Decimal:
        """What the line costs, VAT included (its total)."""
        return self.total

    @property
    def vat(self) -> Decimal:
        """The VAT in this line alone (the receipt's VAT is per rate, :class:`VatRow`)."""
        return vat_from_gross(self.total, self.vat_code.rate)

    @property
    def net(self) -> Decimal:
        return self.total - self.vat


@dataclass(frozen=True)
class VatRow:
    """One row of the VAT breakdown: ``net + vat == gross``."""

    vat_code: VatCode
    gross: Decimal
    net: Decimal
    vat: Decimal

    @property
    def rate(self) -> Decimal:
        return self.vat_code.rate


@dataclass(frozen=True)
class PricedCart:
    """A priced cart: lines, the order discount, the total and the VAT per rate."""

    lines: tuple[PricedLine, ...]
    subtotal: Decimal  # the lines after their own discounts
    order_discount: Decimal  # including ``loyalty_discount``
    total: Decimal
    vat_rows: tuple[VatRow, ...]
    loyalty_discount: Decimal = ZERO  # what redeemed points and stamps took off (part of the order discount)

    @property
    def net(self) -> Decimal:
        return sum((row.net for row in self.vat_rows), ZERO)

    @property
    def vat(self) -> Decimal:
        return sum((row.vat for row in self.vat_rows), ZERO)

    @property
    def promotion_discount(self) -> Decimal:
        """What the promotions took off."""
        return sum((line.promotion_discount for line in self.lines), ZERO)

    @property
    def saved(self) -> Decimal:
        """What the customer saved on the goods sold: discounts and promotions (the receipt says it)."""
        return sum(
            (line.line_discount + line.promotion_discount + line.order_discount_share for line in self.lines),
            ZERO,
        )


def _draft_line(item: Item) -> DraftLine:
    if isinstance(item, ReturnedItem):
        if item.quantity <= 0:
            raise MoneyError("a returned quantity is greater than zero")
        amount = -returned_share(item.paid_total, item.sold_quantity, item.quantity)
        return DraftLine(
            item=item,
            list_price=item.list_price,
            unit_price=item.unit_price,
            quantity=-item.quantity,
            vat=item.vat,
            amount=amount,
        )
    return DraftLine(
        item=item,
        list_price=item.list_price,
        unit_price=item.unit_price,
        quantity=item.quantity,
        vat=item.vat,
        amount=line_gross(item.unit_price, item.quantity),
    )


def vat_rows(lines: Iterable[tuple[VatCode, Decimal]]) -> tuple[VatRow, ...]:
    """VAT per rate and DSFinV-K id from ``(vat code, line total)`` pairs, highest rate first (rule 5)."""
    per_code: dict[tuple[Decimal, int], tuple[VatCode, Decimal]] = {}
    for code, total in lines:
        key = (code.rate, code.dsfinvk_id)
        _code, gross = per_code.get(key, (code, ZERO))
        per_code[key] = (code, gross + total)
    rows = []
    for key in sorted(per_code, key=lambda k: (-k[0], k[1])):
        code, gross = per_code[key]
        vat = vat_from_gross(gross, code.rate)
        rows.append(VatRow(vat_code=code, gross=gross, net=gross - vat, vat=vat))
    return tuple(rows)


def price_cart(
    items: Sequence[Item],
    *,
    order_discount_percent: Decimal | None = None,
    order_discount_amount: Decimal | None = None,
    redemption: Redemption | None = None,
    offers: Sequence[Offer] = (),
    steps: Sequence[PricingStep] = STEPS,
) -> PricedCart:
    """Price ``items`` with the promotions in force (``offers``), an optional discount on the whole order
    and loyalty redemption: the one rule for a cart's price."""
    draft = Draft(
        lines=tuple(_draft_line(item) for item in items),
        order_discount_percent=order_discount_percent,
        order_discount_amount=order_discount_amount,
        redemption=redemption,
        offers=tuple(offers),
    )
    for step in steps:
        draft = step(draft)
    lines = tuple(
        PricedLine(
            item=d.item,
            list_price=d.list_price,
            unit_price=d.unit_price,
            quantity=d.quantity,
            vat_code=d.vat,
            amount=d.amount,
            line_discount=d.line_discount,
            order_discount_share=d.order_discount_share,
            total=d.total,
            promotion=d.promotion,
            promotion_discount=d.promotion_discount,
        )
        for d in draft.lines
    )
    total = sum((line.total for line in lines), ZERO)
    return PricedCart(
        lines=lines,
        subtotal=draft.subtotal,
        order_discount=draft.order_discount,
        total=total,
        vat_rows=vat_rows((line.vat_code, line.total) for line in lines),
        loyalty_discount=draft.loyalty_discount,
    )
