"""What a scanned or typed code means: a product, and maybe a weight, count or price.

A code of all digits with the length of a GTIN (EAN-8, UPC-A, EAN-13, GTIN-14)
must carry a valid GS1 check digit: a wrong one almost always means a scan that
was cut short or joined with a stray key, so it is refused as
:class:`IncompleteScan` ("scan again") instead of "unknown". Only exact matches
(an in-store barcode or SKU that happens to look like a GTIN, a loyalty card)
may still take such a code; it is never read as a scale label. An
8-digit UPC-E counts as valid when its check digit is right for its UPC-A form.

Order of resolution:
1. the code as a barcode of the organization (one indexed query),
2. the code as a SKU,
3. a variable-measure EAN-13 (prefix 2…) from a scale or price label, read with
   the store's layout: the German GS1 rules via biip (22/23 price, 25/26 count,
   28/29 weight) or a custom pattern such as ``21IIIIIWWWWWC``. The product is
   found under the code with the variable part zeroed (as labels are set up in
   the catalog).

At the register a code that names no product for sale may be a customer's
loyalty card (:func:`resolve_scan`): its holder is attached to the cart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from biip import ParseConfig
from biip import parse as biip_parse
from biip.rcn import Rcn, RcnRegion
from django.utils.translation import gettext as _

from kasse.catalog.models import Variant
from kasse.catalog.selectors import variant_by_barcode
from kasse.core.barcodes import gs1_check_digit, has_valid_check_digit
from kasse.customers.models import Customer
from kasse.register.models import RegisterSettings, ScaleLabelLayout
from kasse.sales.services.errors import SaleError
from kasse.tenancy.models import Organization

GTIN_LENGTHS = (8, 12, 13, 14)


class IncompleteScan(SaleError):
    """A GTIN-shaped code whose check digit is wrong: the cashier should scan again."""


class UnknownCode(SaleError):
    """A code that names no product."""


def _upce_as_upca(code: str) -> str | None:
    """The UPC-A form of an 8-digit UPC-E (number system 0 or 1), or None."""
    if len(code) != 8 or code[0] not in "01":
        return None
    d = code[1:7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return code[0] + body + code[7]


def is_complete_gtin(code: str) -> bool:
    """False only for a code that is all digits of a GTIN length with a wrong check digit."""
    if not (code.isdigit() and len(code) in GTIN_LENGTHS):
        return True
    if has_valid_check_digit(code):
        return True
    upca = _upce_as_upca(code)
    return upca is not None and has_valid_check_digit(upca)


@dataclass(frozen=True)
class ScanResult:
    variant: Variant
    barcode: str
    quantity: Decimal | None = None  # weight in kg or count from the label
    label_price: Decimal | None = None  # total price printed on the label


def _custom_layout(code: str, pattern: str) -> tuple[str, Decimal | None, Decimal | None] | None:
    """Read ``code`` with a 13-character pattern; returns (lookup code, kg, price)."""
    if len(pattern) != 13 or len(code) != 13:
        return None
    for expected, actual in zip(pattern, code, strict=True):
        if expected.isdigit() and expected != actual:
            return None
    weight_digits = "".join(c for p, c in zip(pattern, code, strict=True) if p == "W")
    price_digits = "".join(c for p, c in zip(pattern, code, strict=True) if p == "P")
    zeroed = "".join("0" if p in "WP" else c for p, c in zip(pattern, code, strict=True))[:12]
    lookup = zeroed + str(gs1_check_digit(zeroed))
    weight = Decimal(weight_digits) / 1000 if weight_digits else None
    price = Decimal(price_digits) / 100 if price_digits else None
    return lookup, weight, price


def _variable_measure(
    code: str, settings: RegisterSettings | None
) -> tuple[str, Decimal | None, Decimal | None, int | None] | None:
    if not (len(code) == 13 and code.isdigit() and code[0] == "2"):
        return None
    if settings is not None and settings.scale_label_layout == ScaleLabelLayout.CUSTOM:
        custom = _custom_layout(code, settings.scale_label_pattern)
        return (custom[0], custom[1], custom[2], None) if custom else None
    result = biip_parse(code, config=ParseConfig(rcn_region=RcnRegion.GERMANY))
    rcn = result.gtin
    if not isinstance(rcn, Rcn) or (rcn.weight is None and rcn.price is None and rcn.count is None):
        if result.gtin_error and "check digit" in result.gtin_error.lower():
            raise SaleError(
                _("The label %(code)s cannot be read (its check digit is wrong). Please scan again or type the weight.")
                % {"code": code}
            )
        return None
    return rcn.without_variable_measure().value, rcn.weight, rcn.price, rcn.count


def resolve_code(organization: Organization, code: str, settings: RegisterSettings | None = None) -> ScanResult:
    """The product behind a scanned code, or a :class:`SaleError` the cashier can read."""
    code = (code or "").strip()
    if not code:
        raise SaleError(_("Nothing was scanned."))
    if len(code) > 48:
        raise SaleError(_("This code is too long to be a product barcode."))
    variant = variant_by_barcode(organization, code)
    if variant is None:
        variant = (
            Variant.objects.filter(organization=organization, sku=code, is_active=True)
            .select_related("product")
            .first()
        )
    if variant is not None:
        return ScanResult(variant=variant, barcode=code)
    if not is_complete_gtin(code):
        raise IncompleteScan(_("Incomplete scan, please scan again"))
    measured = _variable_measure(code, settings)
    if measured is not None:
        lookup, weight, price, count = measured
        variant = variant_by_barcode(organization, lookup)
        if variant is not None:
            quantity = weight if weight is not None else (Decimal(count) if count is not None else None)
            return ScanResult(variant=variant, barcode=code, quantity=quantity, label_price=price)
    raise UnknownCode(_("Unknown barcode %(code)s.") % {"code": code})


@dataclass(frozen=True)
class LoyaltyCard:
    """A scanned code that is not a product for sale but the loyalty card of this (active) customer."""

    customer: Customer


def loyalty_card_holder(organization: Organization, code: str) -> Customer | None:
    """The active customer whose loyalty card carries ``code``, or None. The exact code first (the unique
    index answers it); then without regard to case, because a card number typed on a keyboard, or read by a
    scanner set to another keyboard layout, may differ from the printed one only in case."""
    code = (code or "").strip()
    if not code:
        return None
    customers = Customer.objects.filter(organization=organization, is_active=True)
    return customers.filter(loyalty_card_code=code).first() or customers.filter(loyalty_card_code__iexact=code).first()


def resolve_scan(
    organization: Organization, code: str, settings: RegisterSettings | None = None
) -> ScanResult | LoyaltyCard:
    """What a code scanned at the register is: a product (:func:`resolve_code`) or, when it names no
    product, or only one that is not for sale, a customer's loyalty card. Otherwise the product's
    :class:`SaleError` stands (unknown, incomplete, unreadable label)."""
    try:
        result = resolve_code(organization, code, settings)
    except SaleError:
        holder = loyalty_card_holder(organization, code)
        if holder is None:
            raise
        return LoyaltyCard(holder)
    if not (result.variant.is_active and result.variant.product.is_active):
        holder = loyalty_card_holder(organization, code)
        if holder is not None:
            return LoyaltyCard(holder)
    return result
