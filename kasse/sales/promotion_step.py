"""Promotions as a step of :func:`kasse.sales.pricing.price_cart` (plain values, no database).

The caller hands ``price_cart`` the :class:`Offer` s that are in force for this cart (time window,
weekday, customer present, coupon entered: ``kasse.sales.services.coupons.cart_offers``); this step
decides which lines they cover and what they take off. The rules (docs/pricing.md, "Promotions"):

- A line takes part in **at most one** promotion. Lines with a manager's price or a manual line
  discount, and goods coming back, take part in none (the cashier's price wins; no double discount).
- **Best for the customer first**: every offer is tried on the lines not yet taken; the one saving
  the most wins those lines, then the rest are tried again on what is left. A percent or amount offer
  is tried on each of its lines on its own (so a line gets the one that saves most on it); buy X get Y
  and bundles on all of theirs. Ties go to the higher priority, then to the offer's id, then to the
  earlier line, so the same cart always gets the same promotions.
- **Kinds**: a percentage off each line (rounded to the cent per line); an amount off each unit
  (per kilogram on weighed goods); buy X get Y (pieces only: the units sorted from the dearest,
  in groups of X + Y the Y cheapest are free or a percentage off); a bundle (pieces only: groups of
  N units, dearest first, for a fixed price; a group that would cost more is not bundled). A
  group's saving is spread over its units by largest remainder (``money.allocate``), so no cent
  is lost and no line gives more than its amount.
- The order discount comes after (on the promoted prices).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from kasse.core.money import ZERO, allocate, percent_of, round_money

if TYPE_CHECKING:
    from kasse.sales.pricing import Draft, DraftLine

HUNDRED = Decimal(100)


class OfferKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"
    BUY_X_GET_Y = "buy_x_get_y"
    BUNDLE = "bundle"


@dataclass(frozen=True)
class Offer:
    """A promotion in force for this cart, as the pricing sees it.

    ``product_ids`` and ``category_ids`` say which goods it is on (a line matches either); both empty
    means every product. ``percent`` is the percentage off (percent kind; buy X get Y: off the Y,
    100 when not set); ``amount`` the amount off a unit (amount kind) or the bundle's price.
    """

    id: str
    name: str
    kind: OfferKind
    product_ids: frozenset[str] = field(default_factory=frozenset)
    category_ids: frozenset[str] = field(default_factory=frozenset)
    percent: Decimal | None = None
    amount: Decimal | None = None
    buy: int = 0
    get: int = 0
    bundle_size: int = 0
    priority: int = 0
    coupon: str = ""

    def matches(self, product_id: str | None, category_id: str | None) -> bool:
        if not self.product_ids and not self.category_ids:
            return True
        return (product_id is not None and product_id in self.product_ids) or (
            category_id is not None and category_id in self.category_ids
        )


def _eligible(line: DraftLine) -> bool:
    from kasse.sales.pricing import CartItem

    item = line.item
    return (
        isinstance(item, CartItem)
        and line.quantity > 0
        and item.discount_percent is None
        and item.discount_amount is None
        and (item.price is None or item.price == item.list_price)
    )


def _pieces(line: DraftLine) -> int | None:
    q = line.quantity
    return int(q) if q == q.to_integral_value() else None


def _units(lines: dict[int, DraftLine]) -> list[tuple[Decimal, int]]:
    """Every piece of the lines as ``(unit price, line index)``, dearest first (ties: earlier line)."""
    units = []
    for index, line in lines.items():
        count = _pieces(line)
        if count:
            units.extend([(line.unit_price, index)] * count)
    units.sort(key=lambda u: (-u[0], u[1]))
    return units


def _apply(offer: Offer, lines: dict[int, DraftLine]) -> dict[int, Decimal]:
    """What ``offer`` takes off each of ``lines`` (only lines it covers; empty when it saves nothing)."""
    taken: dict[int, Decimal] = {}
    if offer.kind == OfferKind.PERCENT and offer.percent is not None:
        for index, line in lines.items():
            taken[index] = min(percent_of(line.amount, offer.percent), line.amount)
    elif offer.kind == OfferKind.AMOUNT and offer.amount is not None:
        for index, line in lines.items():
            taken[index] = min(round_money(offer.amount * line.quantity), line.amount)
    elif offer.kind == OfferKind.BUY_X_GET_Y and offer.buy > 0 and offer.get > 0:
        percent = offer.percent if offer.percent is not None else HUNDRED
        units = _units(lines)
        size = offer.buy + offer.get
        for start in range(0, len(units) - size + 1, size):
            group = units[start : start + size]
            for _price, index in group:
                taken.setdefault(index, ZERO)
            for price, index in group[offer.buy :]:
                taken[index] += min(percent_of(price, percent), price)
    elif offer.kind == OfferKind.BUNDLE and offer.bundle_size > 1 and offer.amount is not None:
        units = _units(lines)
        size = offer.bundle_size
        for start in range(0, len(units) - size + 1, size):
            group = units[start : start + size]
            saving = sum((price for price, _index in group), ZERO) - offer.amount
            if saving <= 0:
                continue
            for (_price, index), share in zip(group, allocate(saving, [p for p, _i in group]), strict=True):
                taken[index] = taken.get(index, ZERO) + share
    for index, amount in taken.items():
        taken[index] = min(amount, lines[index].amount)
    return taken if sum(taken.values(), ZERO) > 0 else {}


# Kinds whose saving on a line depends on that line alone: they compete for each line on their own.
_PER_LINE = frozenset({OfferKind.PERCENT, OfferKind.AMOUNT})


def choose(offers: Sequence[Offer], lines: Sequence[DraftLine]) -> dict[int, tuple[Offer, Decimal]]:
    """Which offer each line gets and what it takes off (lines without one are left out).

    A percent or amount offer is a candidate for each line it covers on its own (what it saves on one line
    does not depend on the others), so an offer on everything never wins a line by what it saves on other
    lines; buy X get Y and bundles are one candidate over all their lines, since their groups span lines.
    """
    free = {i: line for i, line in enumerate(lines) if _eligible(line)}
    candidates: list[tuple[int, Offer, set[int]]] = []  # (candidate number, offer, the lines it may take)
    for offer in offers:
        covered = {i for i, line in free.items() if offer.matches(line.item.product_id, line.item.category_id)}  # type: ignore[union-attr]
        if not covered:
            continue
        if offer.kind in _PER_LINE:
            base = len(candidates)
            candidates.extend((base + n, offer, {i}) for n, i in enumerate(sorted(covered)))
        else:
            candidates.append((len(candidates), offer, covered))
    chosen: dict[int, tuple[Offer, Decimal]] = {}
    # What a candidate takes depends only on its free lines: it is worked out again only after a round
    # took one of them (most offers of a shop are on goods that are not in the cart or not taken).
    known: dict[int, tuple[dict[int, Decimal], Decimal]] = {}  # what it takes, and the sum of it
    while candidates and free:
        best: tuple[Decimal, Offer, dict[int, Decimal], int] | None = None  # (saving, offer, taken, first line)
        winner = -1
        for number, offer, covered in candidates:
            worked_out = known.get(number)
            if worked_out is None:
                taken = _apply(offer, {i: free[i] for i in sorted(covered) if i in free})
                worked_out = known[number] = (taken, sum(taken.values(), ZERO))
            taken, saving = worked_out
            if taken and (best is None or _ranks_higher(saving, offer, min(covered), best)):
                best, winner = (saving, offer, taken, min(covered)), number
        if best is None:
            break
        _saving, offer, taken, _first = best
        for index, amount in taken.items():
            chosen[index] = (offer, amount)
            del free[index]
        candidates = [(n, o, c) for n, o, c in candidates if n != winner and c & free.keys()]
        for number, _other, covered in candidates:
            if not covered.isdisjoint(taken):
                known.pop(number, None)
    return chosen


def _ranks_higher(
    saving: Decimal, offer: Offer, first_line: int, best: tuple[Decimal, Offer, dict[int, Decimal], int]
) -> bool:
    """Whether ``offer`` beats ``best``: it saves more; on a tie, it has the higher priority; then the lower
    id; then (the same offer on two lines) the earlier line."""
    best_saving, best_offer, _taken, best_first = best
    if saving != best_saving:
        return saving > best_saving
    if offer.priority != best_offer.priority:
        return offer.priority > best_offer.priority
    if offer.id != best_offer.id:
        return offer.id < best_offer.id
    return first_line < best_first


def apply_promotions(draft: Draft) -> Draft:
    """The promotions step of ``price_cart`` (between the line and the order discount)."""
    from dataclasses import replace

    if not draft.offers or not draft.lines:
        return draft
    chosen = choose(draft.offers, draft.lines)
    if not chosen:
        return draft
    return replace(
        draft,
        lines=tuple(
            replace(line, promotion=chosen[i][0], promotion_discount=chosen[i][1]) if i in chosen else line
            for i, line in enumerate(draft.lines)
        ),
    )
