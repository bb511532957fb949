"""Validation of German tax identifiers on organizations."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_VAT_ID = re.compile(r"^DE\d{9}$")
_TAX_NUMBER = re.compile(r"^[\d/ ]{10,16}$")


def normalize_vat_id(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "").upper()


def validate_german_tax_ids(country: str, vat_id: str, tax_number: str) -> None:
    """A German business needs a VAT ID (DE + 9 digits) or a tax number on its receipts."""
    errors: dict[str, object] = {}
    vat_id = normalize_vat_id(vat_id)
    if country == "DE":
        if vat_id and not _VAT_ID.match(vat_id):
            errors["vat_id"] = _("A German VAT ID is “DE” followed by 9 digits, e.g. DE123456789.")
        if tax_number and not _TAX_NUMBER.match(tax_number.strip()):
            errors["tax_number"] = _("A tax number has 10 to 13 digits, e.g. 21/815/08150.")
        if not vat_id and not tax_number:
            errors["vat_id"] = _("Receipts need a VAT ID or a tax number; please enter one.")
    if errors:
        raise ValidationError(errors)
