"""Coupon codes on the register's cart: entered by the cashier, checked now and again at checkout."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kasse.core.services import tenant_service
from kasse.promotions.selectors import CouponError, normalize_code
from kasse.register.models import Cart
from kasse.sales.services.coupons import check_coupon
from kasse.sales.services.errors import SaleError

MAX_COUPONS = 5


@tenant_service
def add_coupon(*, cart: Cart, code: str) -> Cart:
    """Put a coupon code on the cart. An unknown, expired, untimely or used-up code is refused with the
    reason (``SaleError``) and the cart stays as it was."""
    try:
        promotion = check_coupon(cart.organization_id, cart.store, code)
    except CouponError as exc:
        raise SaleError(str(exc)) from exc
    codes = list(cart.coupon_codes or [])
    if promotion.coupon_code not in codes:
        if len(codes) >= MAX_COUPONS:
            raise SaleError(_("At most %(count)d coupons per sale.") % {"count": MAX_COUPONS})
        codes.append(promotion.coupon_code)
        cart.coupon_codes = codes
        cart.save(update_fields=["coupon_codes", "updated_at"])
    return cart


@tenant_service
def remove_coupon(*, cart: Cart, code: str) -> Cart:
    """Take a coupon code off the cart."""
    codes = [c for c in cart.coupon_codes or [] if c != normalize_code(code)]
    if codes != list(cart.coupon_codes or []):
        cart.coupon_codes = codes
        cart.save(update_fields=["coupon_codes", "updated_at"])
    return cart
