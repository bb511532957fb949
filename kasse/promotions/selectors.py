"""Which promotions are in force for a cart: the reads the pricing step is fed from."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, Protocol

from django.utils.translation import gettext as _

from kasse.catalog.models import Category
from kasse.promotions.models import Promotion


class CouponError(ValueError):
    """A coupon code that cannot be used now; the message says why (translated)."""


def normalize_code(code: str) -> str:
    """Coupon codes are compared without case and surrounding blanks."""
    return "".join(code.split()).upper()


class _Window(Protocol):
    """What :func:`in_force` reads: a :class:`Promotion` or its :class:`PromotionTerms`."""

    @property
    def is_active(self) -> bool: ...
    @property
    def starts_at(self) -> dt.datetime | None: ...
    @property
    def ends_at(self) -> dt.datetime | None: ...
    @property
    def weekdays(self) -> str: ...
    @property
    def time_from(self) -> dt.time | None: ...
    @property
    def time_until(self) -> dt.time | None: ...


@dataclass(frozen=True, slots=True)
class PromotionTerms:
    """The columns of a :class:`Promotion` that decide whether and how it applies to a cart.

    Read as plain rows (``values_list``), not as model instances: at every scan of the register the
    shop's active promotions are read, and building fifty model instances (with their bookkeeping
    columns) was most of what promotions added to a scan (docs/benchmarks.md, "Promotions")."""

    pk: uuid.UUID
    name: str
    kind: str
    percent: Decimal | None
    amount: Decimal | None
    buy_quantity: int
    get_quantity: int
    bundle_size: int
    product_ids: list[Any]
    category_ids: list[Any]
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    weekdays: str
    time_from: dt.time | None
    time_until: dt.time | None
    customers_only: bool
    tier_ids: list[Any]
    coupon_code: str
    priority: int
    is_active: bool


TERMS = tuple(f.name for f in fields(PromotionTerms))  # the columns read, in the order of the fields


def in_force(promotion: _Window, now: dt.datetime, time_zone: str) -> bool:
    """Whether the promotion's dates, weekdays and daily window include ``now`` (in the store's time)."""
    if not promotion.is_active:
        return False
    if promotion.starts_at and now < promotion.starts_at:
        return False
    if promotion.ends_at and now >= promotion.ends_at:
        return False
    local = now.astimezone(zoneinfo.ZoneInfo(time_zone))
    if promotion.weekdays and str(local.weekday()) not in promotion.weekdays:
        return False
    start, end, at = promotion.time_from, promotion.time_until, local.time()
    if start is not None and end is not None and start > end:  # over midnight, e.g. 22:00–02:00
        return at >= start or at < end
    return (start is None or at >= start) and (end is None or at < end)


def category_tree(organization_id: uuid.UUID | str, roots: set[str]) -> dict[str, set[str]]:
    """Each root category with the categories below it (a promotion on "Bread" covers "Rolls")."""
    children: dict[str, list[str]] = {}
    below = Category.objects.filter(organization_id=organization_id, parent__isnull=False)  # top-level ones add nothing
    for pk, parent in below.values_list("pk", "parent_id"):
        children.setdefault(str(parent), []).append(str(pk))
    result = {}
    for root in roots:
        seen, todo = {root}, [root]
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        result[root] = seen
    return result


def promotions_in_force(
    organization_id: uuid.UUID | str,
    *,
    now: dt.datetime,
    time_zone: str,
    has_customer: bool,
    coupon_codes: Iterable[str] = (),
    tier_of_customer: Callable[[], str | None] = lambda: None,
) -> list[PromotionTerms]:
    """The active promotions that apply to a cart now: automatic ones, and coupons that were entered.

    ``tier_of_customer`` gives the id of the loyalty tier of the cart's customer (or None); it is asked
    only when a promotion in force is for some tiers only, and at most once."""
    codes = {normalize_code(c) for c in coupon_codes}
    found = []
    tier: list[str | None] = []
    rows = Promotion.objects.filter(organization_id=organization_id, is_active=True).order_by("pk").values_list(*TERMS)
    for promotion in (PromotionTerms(*row) for row in rows):
        if promotion.coupon_code and promotion.coupon_code not in codes:
            continue
        if promotion.customers_only and not has_customer:
            continue
        if promotion.tier_ids:
            if not has_customer:
                continue
            if not tier:
                tier.append(tier_of_customer())
            if tier[0] not in {str(t) for t in promotion.tier_ids}:
                continue
        if in_force(promotion, now, time_zone):
            found.append(promotion)
    return found


def coupon_promotion(organization_id: uuid.UUID | str, code: str, *, now: dt.datetime, time_zone: str) -> Promotion:
    """The promotion of a coupon code a cashier entered, or :class:`CouponError` saying why not."""
    normalized = normalize_code(code)
    promotion = (
        Promotion.objects.filter(organization_id=organization_id, coupon_code=normalized).first()
        if normalized
        else None
    )
    if promotion is None or not promotion.is_active:
        raise CouponError(_("The coupon code “%(code)s” does not exist.") % {"code": code.strip()[:40]})
    if promotion.ends_at and now >= promotion.ends_at:
        raise CouponError(_("The coupon “%(code)s” has expired.") % {"code": normalized})
    if not in_force(promotion, now, time_zone):
        raise CouponError(_("The coupon “%(code)s” is not valid at this time.") % {"code": normalized})
    return promotion
