"""Points and stamps of a sale: what a cart may redeem, and the ledger entries a sale or a return writes.

Called by the sales app inside the transaction that stores the receipt (``complete_sale``, ``refund_sale``),
on the cloud and on a store node alike; the entries travel up in the receipt's outbox record. Each entry's
key says what it is for (``earn:<sale id>``, ``redeem:<sale id>``, ``stamps:<sale id>:<card id>``,
``reverse-earn:<return id>`` …) and its id is derived from the key, so a receipt stored once has its
entries once, wherever they are counted.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from kasse.core.money import ZERO
from kasse.customers.models import Customer
from kasse.loyalty.models import EntryKind, LoyaltyEntry, LoyaltyProgram, LoyaltyTier, StampCard
from kasse.loyalty.points import (
    most_points_for,
    points_for,
    redemption_value,
    reversal,
    stamps_for,
    tier_for,
)
from kasse.loyalty.selectors import earned_in_year, points_balance, program_of, stamps_balance

ENTRY_NAMESPACE = uuid.UUID("0b5c6a1e-7f0e-4c8a-9d5e-6b1f3a2c4d10")


class LoyaltyError(ValueError):
    """A redemption that cannot be made; the message is for the cashier (translated)."""


def entry_id(organization_id: Any, key: str) -> uuid.UUID:
    """The id of the entry with ``key``: the same wherever it is written, so it is stored once."""
    return uuid.uuid5(ENTRY_NAMESPACE, f"{organization_id}:{key}")


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class LineFacts:
    """What loyalty needs of a cart or receipt line (the sales app fills it in)."""

    product_id: Any
    category_id: Any
    quantity: Decimal
    unit_price: Decimal
    total: Decimal = ZERO  # what was paid for the line, after every discount
    order_share: Decimal = ZERO  # the order discount (and redemption) on it
    no_points: bool = False  # a voucher or a deposit: never earns points


def _card_matches(card: StampCard, line: LineFacts) -> bool:
    if card.product_id is not None:
        return line.product_id == card.product_id
    return card.category_id is not None and line.category_id == card.category_id


@dataclass(frozen=True)
class Asked:
    """What the customer redeems on a cart: points and stamp cards (their ids)."""

    points: int = 0
    stamp_cards: tuple[uuid.UUID, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.points or self.stamp_cards)


@dataclass(frozen=True)
class Planned:
    """A checked redemption: the euros the points are worth and the free pieces ``(line index, value)``."""

    points: int
    amount: Decimal
    free_units: tuple[tuple[int, Decimal], ...]
    cards: tuple[StampCard, ...]


def plan_redemption(
    *, organization_id: Any, customer: Customer | None, asked: Asked, lines: Sequence[LineFacts], lock: bool
) -> Planned:
    """Check ``asked`` against the customer's balance and the cart; raises :class:`LoyaltyError`.

    With ``lock`` the customer's row is locked first (at checkout), so two registers redeeming on the same
    account at the same moment are checked one after the other and the second sees the first's entry.
    """
    if customer is None:
        raise LoyaltyError(_("Please identify the customer first."))
    if lock:
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
    program = program_of(organization_id)
    points = asked.points
    if points < 0:
        raise LoyaltyError(_("The number of points must not be negative."))
    amount = ZERO
    if points:
        if program is None or not program.is_active:
            raise LoyaltyError(_("There is no active points program."))
        balance = points_balance(customer.pk)
        if points > balance:
            raise LoyaltyError(
                _("Only %(balance)s points are on this account; %(points)s cannot be redeemed.")
                % {"balance": max(balance, 0), "points": points}
            )
        if points < program.min_redeem_points:
            raise LoyaltyError(
                _("At least %(points)s points must be redeemed at once.") % {"points": program.min_redeem_points}
            )
        amount = redemption_value(points, program.point_value)
    free: list[tuple[int, Decimal]] = []
    cards = []
    if asked.stamp_cards:
        own = stamps_balance(customer.pk)
        for card in StampCard.objects.filter(pk__in=asked.stamp_cards, is_active=True):
            if own.get(card.pk, 0) < card.stamps_needed:
                raise LoyaltyError(_("The stamp card “%(card)s” is not full yet.") % {"card": card.name})
            matching = [
                (line.unit_price, index)
                for index, line in enumerate(lines)
                if line.quantity >= 1 and _card_matches(card, line) and index not in {i for i, _v in free}
            ]
            if not matching:
                raise LoyaltyError(
                    _("The stamp card “%(card)s” gives one piece free: please add it to the cart.")
                    % {"card": card.name}
                )
            price, index = min(matching)
            free.append((index, price))
            cards.append(card)
        if len(cards) != len(set(asked.stamp_cards)):
            raise LoyaltyError(_("This stamp card does not exist."))
    return Planned(points=points, amount=amount, free_units=tuple(free), cards=tuple(cards))


def check_redeemed(planned: Planned, taken: Decimal, total_before: Decimal, point_value: Decimal | None) -> None:
    """The priced cart took all the redemption asked for; else the points are worth more than is left."""
    asked = planned.amount + sum((v for _i, v in planned.free_units), ZERO)
    if taken < asked:
        most = most_points_for(total_before, point_value) if point_value else 0
        raise LoyaltyError(
            _("These points are worth more than is left to pay; at most %(points)s points can be redeemed.")
            % {"points": most}
        )


def _entry(organization_id: Any, key: str, **fields: Any) -> LoyaltyEntry:
    return LoyaltyEntry(id=entry_id(organization_id, key), organization_id=organization_id, key=key, **fields)


def _earn_rate(program: LoyaltyProgram, customer_id: Any, organization_id: Any) -> Decimal:
    tiers = [(t.threshold, t.points_per_euro) for t in LoyaltyTier.objects.filter(organization_id=organization_id)]
    rate = tier_for(earned_in_year(customer_id), tiers) if tiers else None
    return program.points_per_euro if rate is None else rate


def _earns(program: LoyaltyProgram, line: LineFacts) -> bool:
    excluded = {str(c) for c in program.excluded_category_ids or []}
    return not line.no_points and line.quantity > 0 and str(line.category_id) not in excluded


def sale_entries(*, sale: Any, customer: Customer, lines: Sequence[LineFacts], planned: Planned | None) -> list[Any]:
    """The entries of a completed sale (already created): points redeemed, points earned, stamps redeemed and
    earned. ``sale`` has ``pk``, ``organization_id``, ``store_id`` and ``completed_at``."""
    org = sale.organization_id
    common = {"customer": customer, "store_id": sale.store_id, "sale_id": sale.pk, "created_at": sale.completed_at}
    entries = []
    if planned is not None and planned.points:
        entries.append(
            _entry(
                org,
                f"redeem:{sale.pk}",
                kind=EntryKind.REDEEMED,
                points=-planned.points,
                value=planned.amount,
                **common,
            )
        )
    program = program_of(org)
    if program is not None and program.is_active:
        basis = sum((line.total for line in lines if _earns(program, line)), ZERO)
        earned = points_for(basis, _earn_rate(program, customer.pk, org), program.rounding)
        if earned:
            expires = add_months(sale.completed_at, program.expiry_months) if program.expiry_months else None
            entries.append(
                _entry(
                    org,
                    f"earn:{sale.pk}",
                    kind=EntryKind.EARNED,
                    points=earned,
                    basis=basis,
                    expires_at=expires,
                    **common,
                )
            )
    free_by_card = {}
    for card, (index, value) in zip(
        planned.cards if planned else (), planned.free_units if planned else (), strict=True
    ):
        free_by_card[card.pk] = index
        entries.append(
            _entry(
                org,
                f"stamps-redeemed:{sale.pk}:{card.pk}",
                kind=EntryKind.REDEEMED,
                stamp_card=card,
                stamps=-card.stamps_needed,
                value=value,
                **common,
            )
        )
    for card in StampCard.objects.filter(organization_id=org, is_active=True):
        stamps = sum(stamps_for(line.quantity) for line in lines if _card_matches(card, line))
        stamps -= 1 if card.pk in free_by_card else 0  # the free piece earns no stamp
        if stamps > 0:
            entries.append(
                _entry(
                    org, f"stamps:{sale.pk}:{card.pk}", kind=EntryKind.EARNED, stamp_card=card, stamps=stamps, **common
                )
            )
    return LoyaltyEntry.objects.bulk_create(entries)


@dataclass(frozen=True)
class ReturnedFacts:
    """A line of the original receipt and how much of it came back: before this return and with it."""

    facts: LineFacts  # the original line (``total`` = what was paid for it, ``quantity`` = sold)
    before: Decimal
    now: Decimal


def _value_back(lines: Sequence[ReturnedFacts], upto: str, measure: Any, only: Any = None) -> Decimal:
    """What of the original lines' ``measure`` came back (``before`` or ``after`` this return); a line that
    came back whole counts with its exact value, so the shares of all returns add up to the whole."""
    value = ZERO
    for r in lines:
        if only is not None and not only(r.facts):
            continue
        quantity = r.before if upto == "before" else r.before + r.now
        sold, whole = r.facts.quantity, measure(r.facts)
        value += whole if quantity >= sold else whole * quantity / sold
    return value


def _paid(facts: LineFacts) -> Decimal:
    return facts.total


def _before_order_discounts(facts: LineFacts) -> Decimal:
    return facts.total + facts.order_share


def _taken_back(total: int, lines: Sequence[ReturnedFacts], measure: Any, whole: Decimal, only: Any = None) -> int:
    before = _value_back(lines, "before", measure, only)
    return reversal(total, before, _value_back(lines, "after", measure, only) - before, whole)


def return_entries(*, refund: Any, original: Any, customer: Customer, lines: Sequence[ReturnedFacts]) -> list[Any]:
    """The entries of a return with its receipt (``lines``: every line of the original receipt, with what
    came back before and now). The points and stamps earned on what came back are taken back and the points
    redeemed on it given back, in proportion to the value that came back: rounded towards zero, and all
    of them once everything came back, so returns never take back or give back more than the sale had."""
    org = refund.organization_id
    program = program_of(org)
    common = {
        "customer": customer,
        "store_id": refund.store_id,
        "sale_id": refund.pk,
        "created_at": refund.completed_at,
    }
    original_entries = {e.key: e for e in LoyaltyEntry.objects.filter(sale_id=original.pk).select_related("stamp_card")}
    entries = []
    earn = original_entries.get(f"earn:{original.pk}")
    if earn is not None and program is not None:
        back = _taken_back(earn.points, lines, _paid, earn.basis, only=lambda facts: _earns(program, facts))
        if back:
            entries.append(_entry(org, f"reverse-earn:{refund.pk}", kind=EntryKind.REVERSED, points=-back, **common))
    redeem = original_entries.get(f"redeem:{original.pk}")
    if redeem is not None:
        whole = sum((_before_order_discounts(r.facts) for r in lines), ZERO)
        back = _taken_back(-redeem.points, lines, _before_order_discounts, whole)
        if back:
            entries.append(_entry(org, f"reverse-redeem:{refund.pk}", kind=EntryKind.REVERSED, points=back, **common))
    for key, stamp_entry in original_entries.items():
        card = stamp_entry.stamp_card
        if not key.startswith("stamps:") or card is None:
            continue
        matching = [r for r in lines if _card_matches(card, r.facts)]
        sold = sum((r.facts.quantity for r in matching), ZERO)
        back = reversal(
            stamp_entry.stamps,
            sum((r.before for r in matching), ZERO),
            sum((r.now for r in matching), ZERO),
            sold,
        )
        if back:
            entries.append(
                _entry(
                    org,
                    f"reverse-stamps:{refund.pk}:{card.pk}",
                    kind=EntryKind.REVERSED,
                    stamp_card=card,
                    stamps=-back,
                    **common,
                )
            )
    return LoyaltyEntry.objects.bulk_create(entries)


def returned_before(original_line: Any, refund_id: Any) -> Decimal:
    """How much of ``original_line`` earlier returns took back (positive)."""
    got = original_line.refund_lines.exclude(sale_id=refund_id).aggregate(q=Sum("quantity"))["q"] or ZERO
    return -got
