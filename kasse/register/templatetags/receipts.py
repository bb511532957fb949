"""Receipt template tags: amounts written as on every receipt, and the receipt code as inline SVG."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from kasse.register.barcodes import code128_bars
from kasse.sales import receipt as receipt_text

register = template.Library()


@register.filter
def euro(value: Decimal) -> str:
    """ "1.234,50 €" in the active language (:func:`kasse.sales.receipt.euro`)."""
    return receipt_text.euro(value)


@register.filter
def amount(value: Decimal) -> str:
    """ "1.234,50" in the active language (:func:`kasse.sales.receipt.amount`)."""
    return receipt_text.amount(value)


@register.inclusion_tag("register/receipts/barcode.html")
def receipt_barcode(code: str, module: float = 1.0, height: int = 40) -> dict[str, Any]:
    """Code 128 of the receipt code (``R-store-register-number``), drawn in modules of ``module`` px."""
    drawn = code128_bars(code)
    return {"code": code, "bars": drawn.bars, "width": drawn.width, "height": height, "module": module}


@register.simple_tag
def qr_svg(payload: str, scale: int = 3) -> str:
    """A QR code as inline SVG: the fiscal one (scale 3), the digital receipt's link (larger). segno
    writes the markup and escapes nothing of ours into it."""
    import segno
    from django.utils.safestring import mark_safe

    # micro=False: segno would make a Micro QR of a short payload (a loyalty card's number), which many
    # scanners at the register do not read.
    code = segno.make(payload, error="m", micro=False)
    return mark_safe(code.svg_inline(scale=scale, border=2))  # noqa: S308 - segno's own SVG
