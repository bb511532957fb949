"""Barcode validation for the catalog: GTIN check digits and in-store codes.

EAN-13, EAN-8 and UPC-A carry a GS1 mod-10 check digit. In-store codes are
free text the shop prints itself (letters, digits, ``-`` and ``.``), up to 48
characters. Codes in the GS1 restricted ranges 02 and 20–29 are valid EAN-13s
too; the register resolves their variable price or weight at scan time.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class BarcodeKind(models.TextChoices):
    EAN13 = "ean13", _("EAN-13")
    EAN8 = "ean8", _("EAN-8")
    UPCA = "upca", _("UPC-A")
    INSTORE = "instore", _("In-store code")


class BarcodeError(ValueError):
    """A code that is not valid for its kind. ``message`` is user-facing and translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_INSTORE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,47}$")
_GTIN_LENGTHS = {BarcodeKind.EAN13: 13, BarcodeKind.EAN8: 8, BarcodeKind.UPCA: 12}


def gs1_check_digit(payload: str) -> int:
    """GS1 mod-10 check digit of the digits before it (weights 3,1 from the right)."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def has_valid_check_digit(code: str) -> bool:
    return code.isdigit() and len(code) > 1 and gs1_check_digit(code[:-1]) == int(code[-1])


def guess_kind(code: str) -> str:
    """The kind a bare code most likely is: GTIN by length if all digits, else in-store."""
    code = code.strip()
    if code.isdigit():
        for kind, length in _GTIN_LENGTHS.items():
            if len(code) == length:
                return kind
    return BarcodeKind.INSTORE


def validate_barcode(code: str, kind: str | None = None) -> tuple[str, str]:
    """Return ``(code, kind)`` cleaned, or raise :class:`BarcodeError` with a clear message."""
    code = (code or "").strip()
    if not code:
        raise BarcodeError(str(_("The barcode is empty.")))
    kind = kind or guess_kind(code)
    try:
        kind = BarcodeKind(kind)
    except ValueError as exc:
        raise BarcodeError(str(_("Unknown barcode type “%(kind)s”.") % {"kind": kind})) from exc
    if kind == BarcodeKind.INSTORE:
        if not _INSTORE.match(code):
            raise BarcodeError(
                str(_("An in-store code may contain letters, digits, “-” and “.”, at most 48 characters."))
            )
        if code.isdigit() and len(code) in (8, 12, 13) and has_valid_check_digit(code):
            # A valid GTIN typed in as "in-store" is still that GTIN.
            return code, guess_kind(code)
        return code, kind
    length = _GTIN_LENGTHS[kind]
    if not code.isdigit() or len(code) != length:
        raise BarcodeError(
            str(_("%(kind)s must be exactly %(length)d digits.") % {"kind": kind.label, "length": length})
        )
    if not has_valid_check_digit(code):
        expected = gs1_check_digit(code[:-1])
        raise BarcodeError(
            str(
                _(
                    "The check digit of %(code)s is wrong (expected %(expected)d). "
                    "Please check the code for typing errors."
                )
                % {"code": code, "expected": expected}
            )
        )
    return code, kind
