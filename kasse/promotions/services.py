"""Writes for promotions: create and change, checked, audited and sent to the store nodes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.promotions.models import Promotion, PromotionKind
from kasse.promotions.selectors import normalize_code
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Organization
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import actor_may_everywhere

PROMOTION_FIELDS = (
    "name",
    "kind",
    "percent",
    "amount",
    "buy_quantity",
    "get_quantity",
    "bundle_size",
    "product_ids",
    "category_ids",
    "starts_at",
    "ends_at",
    "weekdays",
    "time_from",
    "time_until",
    "customers_only",
    "tier_ids",
    "coupon_code",
    "max_uses",
    "priority",
    "is_active",
)


def check_promotion(promotion: Promotion) -> None:
    """The figures a kind needs, and nothing that cannot work; ``ValidationError`` by field."""
    errors: dict[str, str] = {}
    kind = promotion.kind
    if kind == PromotionKind.PERCENT and promotion.percent is None:
        errors["percent"] = _("Enter the percentage off.")
    if kind == PromotionKind.AMOUNT and not promotion.amount:
        errors["amount"] = _("Enter the amount off each unit.")
    if kind == PromotionKind.BUY_X_GET_Y:
        if promotion.buy_quantity < 1:
            errors["buy_quantity"] = _("A customer buys at least one piece.")
        if promotion.get_quantity < 1:
            errors["get_quantity"] = _("A customer gets at least one piece.")
    if kind == PromotionKind.BUNDLE:
        if promotion.bundle_size < 2:
            errors["bundle_size"] = _("A bundle has at least two pieces.")
        if promotion.amount is None:
            errors["amount"] = _("Enter the bundle's price.")
    if promotion.starts_at and promotion.ends_at and promotion.ends_at <= promotion.starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    if promotion.time_from and promotion.time_until and promotion.time_from == promotion.time_until:
        errors["time_until"] = _("The daily window must not start and end at the same time.")
    if promotion.weekdays and (set(promotion.weekdays) - set("0123456")):
        errors["weekdays"] = _("Weekdays are the digits 0 (Monday) to 6 (Sunday).")
    if promotion.max_uses is not None and not promotion.coupon_code:
        errors["max_uses"] = _("A limit of uses needs a coupon code.")
    if promotion.coupon_code:
        clash = Promotion.objects.filter(
            organization_id=promotion.organization_id, coupon_code=promotion.coupon_code
        ).exclude(pk=promotion.pk)
        if clash.exists():
            errors["coupon_code"] = _("This coupon code is already used by another promotion.")
    if errors:
        raise ValidationError(errors)


@tenant_service
def save_promotion(
    *, actor: Actor, organization: Organization, data: dict[str, Any], promotion: Promotion | None = None
) -> Promotion:
    """Create or change a promotion. Registers and store nodes get it through the change feed.

    A promotion applies in every store, so like the catalog's prices only owners and all-stores managers set it
    (a manager of one store would otherwise change what the other stores charge)."""
    if not actor_may_everywhere(actor, organization.pk, Capability.MANAGE_CATALOG):
        raise ValidationError(_("Promotions apply in every store, so only owners and managers of all stores set them."))
    creating = promotion is None
    if promotion is None:
        promotion = Promotion(organization=organization)
    changed = {}
    for key in PROMOTION_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key == "coupon_code":
            value = normalize_code(value or "")
        if key == "weekdays":
            value = "".join(sorted(set(value or "")))
        if key in {"product_ids", "category_ids", "tier_ids"}:
            value = sorted(str(v) for v in value or [])
        if getattr(promotion, key) != value:
            changed[key] = str(value)
            setattr(promotion, key, value)
    promotion.full_clean(exclude=["organization"])
    check_promotion(promotion)
    promotion.save()
    record("promotion", [promotion])
    log_action(
        organization,
        actor,
        "promotions.promotion.created" if creating else "promotions.promotion.changed",
        promotion,
        changed,
    )
    return promotion
