"""Gift cards at the register: a card sold is a cart line of its voucher type's product with the value the
customer chose and a code (generated, or the barcode of a pre-printed card scanned); a card's balance is
looked up by its code. Paying with a card is a tender (``kasse.sales.services.vouchers``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from kasse.catalog.models import Variant
from kasse.core.services import tenant_service
from kasse.register.models import Cart, CartLine
from kasse.sales.services.errors import SaleError
from kasse.vouchers.booking import VoucherError, check_new_code, check_value, generate_code
from kasse.vouchers.models import Voucher, VoucherType
from kasse.vouchers.selectors import balance_of, voucher_by_code


@tenant_service
def add_gift_card(*, cart: Cart, voucher_type: VoucherType, amount: Decimal, code: str = "") -> CartLine:
    """A gift card of ``amount`` on its own line; without ``code`` one is generated. A code already sold,
    or already in this cart, is refused."""
    if not voucher_type.is_active:
        raise SaleError(_("This voucher type is no longer sold."))
    try:
        amount = check_value(amount)
        code = check_new_code(code) if code.strip() else generate_code()
    except VoucherError as exc:
        raise SaleError(str(exc)) from exc
    if cart.lines.filter(voucher_code=code).exists():
        raise SaleError(_("The same gift card is twice in the cart."))
    variant = Variant.objects.filter(product_id=voucher_type.product_id).order_by("position").first()
    if variant is None:
        raise SaleError(_("This gift card's product is missing from the catalog."))
    last = cart.lines.order_by("-position").first()
    return CartLine.objects.create(
        organization_id=cart.organization_id,
        cart=cart,
        position=(last.position + 1) if last else 1,
        variant=variant,
        quantity=Decimal(1),
        unit_price=amount,
        voucher_code=code,
    )


@dataclass(frozen=True)
class CardBalance:
    voucher: Voucher
    balance: Decimal

    def usable(self, due: Decimal) -> Decimal:
        """What the card can pay of ``due``: all of it, or its balance."""
        return max(min(self.balance, due), Decimal("0.00"))


def card_balance(code: str) -> CardBalance:
    """The balance of the card with ``code``; an unknown code is a :class:`SaleError` with a clear message."""
    voucher = voucher_by_code(code)
    if voucher is None:
        raise SaleError(_("No gift card has the code “%(code)s”.") % {"code": code.strip()[:48]})
    return CardBalance(voucher, balance_of(voucher))
