"""Read queries of loyalty: a customer's balance, stamps, tier and history."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils import timezone

from kasse.loyalty.models import EntryKind, LoyaltyEntry, LoyaltyProgram, LoyaltyTier, StampCard
from kasse.loyalty.points import tier_for

YEAR = datetime.timedelta(days=365)


def program_of(organization_id: uuid.UUID) -> LoyaltyProgram | None:
    """The organization's program, or ``None`` when it has none (then nobody earns points)."""
    return LoyaltyProgram.objects.filter(organization_id=organization_id).first()


def points_balance(customer_id: uuid.UUID) -> int:
    """The customer's points: the sum of their ledger (on a node: the last synced entries plus its own)."""
    return LoyaltyEntry.objects.filter(customer_id=customer_id).aggregate(p=Sum("points"))["p"] or 0


def stamps_balance(customer_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """``{stamp card id: stamps}`` of the customer, cards without stamps left out."""
    rows = (
        LoyaltyEntry.objects.filter(customer_id=customer_id, stamp_card__isnull=False)
        .values("stamp_card_id")
        .annotate(s=Sum("stamps"))
    )
    return {r["stamp_card_id"]: r["s"] for r in rows if r["s"]}


def earned_in_year(customer_id: uuid.UUID, now: datetime.datetime | None = None) -> int:
    """Points earned in the last 365 days, less what returns took back of them (what tiers count)."""
    since = (now or timezone.now()) - YEAR
    return (
        LoyaltyEntry.objects.filter(
            customer_id=customer_id, created_at__gte=since, kind__in=[EntryKind.EARNED, EntryKind.REVERSED]
        )
        .filter(Q(kind=EntryKind.EARNED) | Q(points__lt=0))
        .aggregate(p=Sum("points"))["p"]
        or 0
    )


def current_tier(customer_id: uuid.UUID, organization_id: uuid.UUID) -> LoyaltyTier | None:
    """The highest tier the customer reached, or ``None``."""
    tiers = list(LoyaltyTier.objects.filter(organization_id=organization_id))
    if not tiers:
        return None
    earned = earned_in_year(customer_id)
    rate = tier_for(earned, [(t.threshold, t.points_per_euro) for t in tiers])
    if rate is None:
        return None
    return max((t for t in tiers if t.threshold <= earned), key=lambda t: t.threshold)


@dataclass(frozen=True)
class StampState:
    """One stamp card of a customer: how many stamps and whether a free piece is due."""

    card: StampCard
    stamps: int

    @property
    def full(self) -> bool:
        return self.stamps >= self.card.stamps_needed

    @property
    def towards_next(self) -> int:
        """Stamps on the card being filled (0 … needed − 1), for the card's picture."""
        return self.stamps % self.card.stamps_needed if not self.full else self.card.stamps_needed


@dataclass(frozen=True)
class Account:
    """What the register, the customer's page and the back office show of a customer's loyalty."""

    points: int
    value: object  # Decimal: what the points are worth
    tier: LoyaltyTier | None
    stamps: list[StampState]
    program: LoyaltyProgram | None


def account(customer_id: uuid.UUID, organization_id: uuid.UUID) -> Account:
    from kasse.loyalty.points import redemption_value

    program = program_of(organization_id)
    points = points_balance(customer_id)
    own = stamps_balance(customer_id)
    cards = StampCard.objects.filter(organization_id=organization_id, is_active=True)
    return Account(
        points=points,
        value=redemption_value(max(points, 0), program.point_value) if program else 0,
        tier=current_tier(customer_id, organization_id),
        stamps=[StampState(card, own.get(card.pk, 0)) for card in cards],
        program=program,
    )


def history(customer_id: uuid.UUID, limit: int = 50) -> list[LoyaltyEntry]:
    """The customer's latest ledger entries, newest first."""
    return list(
        LoyaltyEntry.objects.filter(customer_id=customer_id)
        .select_related("stamp_card", "store")
        .order_by("-created_at", "-id")[:limit]
    )
