"""German VAT classes with their rates and DSFinV-K ids (UST_SCHLUESSEL).

A product carries a VAT *class*; a sale line stores the *rate* in force when it
was sold, so history never changes when a rate does.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class VatClass(models.TextChoices):
    STANDARD = "standard", _("19 % (standard rate)")
    REDUCED = "reduced", _("7 % (reduced rate)")
    ZERO = "zero", _("0 % (zero rate, §12(3) UStG)")
    EXEMPT = "exempt", _("tax exempt (§4 UStG)")


VAT_RATES: dict[str, Decimal] = {
    VatClass.STANDARD: Decimal("19.00"),
    VatClass.REDUCED: Decimal("7.00"),
    VatClass.ZERO: Decimal("0.00"),
    VatClass.EXEMPT: Decimal("0.00"),
}

# DSFinV-K UST_SCHLUESSEL: 1 = 19 %, 2 = 7 %, 5 = not taxable (0 %), 6 = exempt.
# The zero rate of §12(3) UStG has no own id in DSFinV-K 2.3; it is booked as 5.
DSFINVK_IDS: dict[str, int] = {
    VatClass.STANDARD: 1,
    VatClass.REDUCED: 2,
    VatClass.ZERO: 5,
    VatClass.EXEMPT: 6,
}


def vat_rate(vat_class: str) -> Decimal:
    """Current rate in percent for a VAT class; ``KeyError`` for an unknown class."""
    return VAT_RATES[VatClass(vat_class)]


def dsfinvk_id(vat_class: str) -> int:
    return DSFINVK_IDS[VatClass(vat_class)]
