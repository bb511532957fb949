"""Writes of loyalty in the back office: the program, tiers, stamp cards, manual adjustments, expiry and the
digital card's link. Points earned and redeemed with a sale are written by :mod:`kasse.loyalty.booking`."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.ids import uuid7
from kasse.core.services import tenant_service
from kasse.customers.models import Customer
from kasse.loyalty.booking import entry_id
from kasse.loyalty.models import CardLink, EntryKind, LoyaltyEntry, LoyaltyProgram, LoyaltyTier, StampCard
from kasse.loyalty.points import expiring
from kasse.sync.engine import local as sync_local
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Organization
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import actor_may_everywhere

PROGRAM_FIELDS = (
    "is_active",
    "points_per_euro",
    "rounding",
    "point_value",
    "min_redeem_points",
    "expiry_months",
    "excluded_category_ids",
)


def _cloud_only() -> None:
    if sync_local.is_node():
        raise ValidationError(_("Loyalty is set up in the cloud's back office, not on the store node."))


@tenant_service
def save_program(*, actor: Actor, organization: Organization, data: dict[str, Any]) -> LoyaltyProgram:
    """Create or change the organization's loyalty program."""
    _cloud_only()
    program = LoyaltyProgram.objects.filter(organization=organization).first() or LoyaltyProgram(
        organization=organization
    )
    changed = {}
    for name in PROGRAM_FIELDS:
        if name in data and getattr(program, name) != data[name]:
            changed[name] = data[name]
            setattr(program, name, data[name])
    program.excluded_category_ids = sorted(str(c) for c in program.excluded_category_ids or [])
    program.full_clean(exclude=["organization"])
    program.save()
    record("loyalty_program", [program])
    log_action(organization, actor, "loyalty.program.changed", program, {k: str(v) for k, v in changed.items()})
    return program


@tenant_service
def save_tier(
    *, actor: Actor, organization: Organization, data: dict[str, Any], tier: LoyaltyTier | None = None
) -> LoyaltyTier:
    _cloud_only()
    tier = tier or LoyaltyTier(organization=organization)
    for name in ("name", "threshold", "points_per_euro"):
        if name in data:
            setattr(tier, name, data[name])
    clash = LoyaltyTier.objects.filter(organization=organization, threshold=tier.threshold).exclude(pk=tier.pk)
    if clash.exists():
        raise ValidationError({"threshold": _("Another tier starts at this number of points.")})
    tier.full_clean(exclude=["organization"])
    tier.save()
    record("loyalty_tier", [tier])
    log_action(organization, actor, "loyalty.tier.saved", tier, {"name": tier.name, "threshold": tier.threshold})
    return tier


@tenant_service
def delete_tier(*, actor: Actor, tier: LoyaltyTier) -> None:
    _cloud_only()
    log_action(tier.organization_id, actor, "loyalty.tier.deleted", tier, {"name": tier.name})
    record("loyalty_tier", [], deleted=[tier])
    tier.delete()


@tenant_service
def save_stamp_card(
    *, actor: Actor, organization: Organization, data: dict[str, Any], card: StampCard | None = None
) -> StampCard:
    """Create or change a stamp card (for one product or one category, not both)."""
    _cloud_only()
    card = card or StampCard(organization=organization)
    for name in ("name", "product", "category", "stamps_needed", "is_active"):
        if name in data:
            setattr(card, name, data[name])
    if (card.product_id is None) == (card.category_id is None):
        raise ValidationError({"product": _("Choose a product or a category for the stamp card (one of them).")})
    card.full_clean(exclude=["organization"])
    card.save()
    record("loyalty_stamp_card", [card])
    log_action(organization, actor, "loyalty.stamp_card.saved", card, {"name": card.name})
    return card


@tenant_service
def adjust_points(*, actor: Actor, customer: Customer, points: int, note: str) -> LoyaltyEntry:
    """A correction of a customer's points by a person (with the reason); it may not go below zero. Points
    are worth money in every store: a back-office user needs MANAGE_CUSTOMERS in every store."""
    if not actor_may_everywhere(actor, customer.organization_id, Capability.MANAGE_CUSTOMERS):
        raise ValidationError(_("Points count in every store, so only owners and managers of all stores correct them."))
    if not points:
        raise ValidationError({"points": _("Enter a number of points other than zero.")})
    if not note.strip():
        raise ValidationError({"note": _("Please say why the points are corrected.")})
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    balance = LoyaltyEntry.objects.filter(customer=customer).aggregate(p=Sum("points"))["p"] or 0
    if balance + points < 0:
        raise ValidationError(
            {"points": _("Only %(balance)s points are on this account.") % {"balance": max(balance, 0)}}
        )
    key = f"adjust:{uuid7()}"
    entry = LoyaltyEntry.objects.create(
        id=entry_id(customer.organization_id, key),
        organization_id=customer.organization_id,
        customer=customer,
        key=key,
        kind=EntryKind.ADJUSTED,
        points=points,
        note=note.strip()[:200],
    )
    record("loyalty_entry", [entry])
    log_action(customer.organization_id, actor, "loyalty.points.adjusted", customer, {"points": points, "note": note})
    return entry


@tenant_service
def expire_points(*, actor: Actor, organization: Organization, now: Any = None) -> list[LoyaltyEntry]:
    """Write an ``expired`` entry for every customer whose earned points are due (cloud only, once a day).

    Points spent count against the oldest points first; what expires is what is left of the points whose
    time is up. The entry's key names the customer and the day, so running it twice a day writes once."""
    _cloud_only()
    now = now or timezone.now()
    due = (
        LoyaltyEntry.objects.filter(organization=organization, kind=EntryKind.EARNED, expires_at__lte=now)
        .values("customer_id")
        .annotate(p=Sum("points"))
    )
    entries = []
    for row in due:
        customer_id = row["customer_id"]
        mine = LoyaltyEntry.objects.filter(customer_id=customer_id)
        spent = -(mine.filter(points__lt=0).exclude(kind=EntryKind.EXPIRED).aggregate(p=Sum("points"))["p"] or 0) - (
            mine.filter(Q(kind=EntryKind.REVERSED) & Q(points__gt=0)).aggregate(p=Sum("points"))["p"] or 0
        )
        expired_before = -(mine.filter(kind=EntryKind.EXPIRED).aggregate(p=Sum("points"))["p"] or 0)
        points = expiring(row["p"], max(spent, 0), expired_before)
        if not points:
            continue
        key = f"expire:{customer_id}:{now.date().isoformat()}"
        if LoyaltyEntry.objects.filter(organization=organization, key=key).exists():
            continue
        entries.append(
            LoyaltyEntry(
                id=entry_id(organization.pk, key),
                organization=organization,
                customer_id=customer_id,
                key=key,
                kind=EntryKind.EXPIRED,
                points=-points,
                created_at=now,
            )
        )
    LoyaltyEntry.objects.bulk_create(entries)
    if entries:
        record("loyalty_entry", entries)
        log_action(organization, actor, "loyalty.points.expired", None, {"customers": len(entries)})
    return entries


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@tenant_service
def issue_card_link(*, actor: Actor, customer: Customer) -> str:
    """A new secret link token for the customer's digital card (a link issued before stops working).
    Only its digest is stored; the token is returned once, to be sent to the customer."""
    token = secrets.token_urlsafe(24)
    CardLink.objects.update_or_create(
        customer=customer,
        defaults={"organization_id": customer.organization_id, "token_digest": _digest(token), "revoked_at": None},
    )
    log_action(customer.organization_id, actor, "loyalty.card_link.issued", customer, {})
    return token


def customer_for_token(token: str) -> Customer | None:
    """The customer of a digital card link (``None``: unknown or revoked); no organization scope needed."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        link = (
            CardLink.objects.filter(token_digest=_digest(token), revoked_at__isnull=True)
            .select_related("customer", "customer__organization")
            .first()
        )
        return link.customer if link is not None and link.customer.is_active else None
