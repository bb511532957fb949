"""Coupon codes at the register and at checkout: valid now, and not used up.

A use of a coupon is a sale with a line that got the coupon's promotion (``SaleLine.promotion``); the
uses are counted from the receipts, so there is no second counter to drift. Checkout locks the
promotion row of every coupon that took something off before it counts (``lock_coupons``), so two
registers taking the last use of a coupon at the same moment are counted one after the other and the
second is refused. How this works on store nodes: docs/pricing.md, "Coupon codes".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from kasse.loyalty.selectors import current_tier
from kasse.promotions.models import Promotion
from kasse.promotions.selectors import (
    CouponError,
    PromotionTerms,
    category_tree,
    coupon_promotion,
    promotions_in_force,
)
from kasse.sales.models import Sale, SaleKind
from kasse.sales.pricing import PricedCart
from kasse.sales.promotion_step import Offer, OfferKind
from kasse.sales.services.errors import SaleError
from kasse.tenancy.models import Store


def coupon_uses(promotion_id: uuid.UUID | str) -> int:
    """How many sales the coupon took something off (returns do not give a use back)."""
    return Sale.objects.filter(kind=SaleKind.SALE, lines__promotion_id=promotion_id).distinct().count()


def _check_left(promotion: Promotion) -> None:
    if promotion.max_uses is not None and coupon_uses(promotion.pk) >= promotion.max_uses:
        raise CouponError(_("The coupon “%(code)s” has been used up.") % {"code": promotion.coupon_code})


def check_coupon(organization_id: uuid.UUID | str, store: Store, code: str) -> Promotion:
    """The promotion of a code entered at the register; :class:`CouponError` (translated) when it is
    unknown, expired, not valid now or used up."""
    promotion = coupon_promotion(organization_id, code, now=timezone.now(), time_zone=store.time_zone)
    _check_left(promotion)
    return promotion


def as_offers(organization_id: uuid.UUID | str, promotions: Sequence[PromotionTerms]) -> list[Offer]:
    """The promotions as the pricing step sees them (category ids widened to their subcategories: the
    category tree is read only when some promotion names a category)."""
    roots = {str(c) for p in promotions for c in p.category_ids}
    tree = category_tree(organization_id, roots) if roots else {}
    return [
        Offer(
            id=str(p.pk),
            name=p.name,
            kind=OfferKind(p.kind),
            product_ids=frozenset(str(x) for x in p.product_ids),
            category_ids=frozenset(c for root in p.category_ids for c in tree.get(str(root), {str(root)})),
            percent=p.percent,
            amount=p.amount,
            buy=p.buy_quantity,
            get=p.get_quantity,
            bundle_size=p.bundle_size,
            priority=p.priority,
            coupon=p.coupon_code,
        )
        for p in promotions
    ]


def cart_offers(
    organization_id: uuid.UUID | str, store: Store, customer_id: uuid.UUID | None, coupon_codes: Iterable[str]
) -> list[Offer]:
    """The promotions in force for a cart in ``store`` now, as the pricing step takes them (for the cart's
    customer, if any: offers for customers only, or for some loyalty tiers only).

    Every coupon code must still be valid: one that expired or was used up since it was entered stops
    the checkout with the reason (``SaleError``), nothing is stored.
    """
    codes = list(coupon_codes)
    for code in codes:
        try:
            check_coupon(organization_id, store, code)
        except CouponError as exc:
            raise SaleError(str(exc)) from exc
    return offers_in_force(organization_id, store, customer_id, codes)


def offers_in_force(
    organization_id: uuid.UUID | str, store: Store, customer_id: uuid.UUID | None, coupon_codes: Sequence[str]
) -> list[Offer]:
    """:func:`cart_offers` for coupon codes the caller has just checked (the register's cart leaves out
    the codes that stopped being valid, and must not read each coupon and count its uses twice a scan):
    one query for the promotions in force, the category tree only when one of them names a category,
    the customer's tier only when one of them is for some tiers only."""

    def tier_of_customer() -> str | None:
        tier = current_tier(customer_id, uuid.UUID(str(organization_id))) if customer_id else None
        return str(tier.pk) if tier else None

    promotions = promotions_in_force(
        organization_id,
        now=timezone.now(),
        time_zone=store.time_zone,
        has_customer=customer_id is not None,
        coupon_codes=coupon_codes,
        tier_of_customer=tier_of_customer,
    )
    return as_offers(organization_id, promotions) if promotions else []


def lock_coupons(priced: PricedCart) -> None:
    """Lock and count every limited coupon this sale uses (inside checkout's transaction)."""
    ids = sorted({line.promotion.id for line in priced.lines if line.promotion and line.promotion.coupon})
    if not ids:
        return
    for promotion in Promotion.objects.select_for_update().filter(pk__in=ids, max_uses__isnull=False).order_by("pk"):
        try:
            _check_left(promotion)
        except CouponError as exc:
            raise SaleError(str(exc)) from exc


def overused_coupons(promotion_ids: Iterable[str]) -> list[tuple[str, int, int]]:
    """``(code, uses, limit)`` of the limited coupons among ``promotion_ids`` used more often than allowed
    (the cloud asks after storing a node's sale: store nodes offline count only the uses they know)."""
    found = []
    for promotion in Promotion.objects.filter(pk__in=list(promotion_ids), max_uses__isnull=False).exclude(
        coupon_code=""
    ):
        uses = coupon_uses(promotion.pk)
        if promotion.max_uses is not None and uses > promotion.max_uses:
            found.append((promotion.coupon_code, uses, promotion.max_uses))
    return found
