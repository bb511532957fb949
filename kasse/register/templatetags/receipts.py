"""Receipt template tags: the receipt's own barcode as inline SVG."""

from __future__ import annotations

from typing import Any

from django import template

from kasse.register.code128 import bars
from kasse.sales.models import Sale
from kasse.sales.selectors import receipt_code

register = template.Library()


@register.inclusion_tag("register/receipts/barcode.html")
def receipt_barcode(sale: Sale, module: float = 1.0, height: int = 40) -> dict[str, Any]:
    """Code 128 of the receipt code (``R-store-register-number``), drawn in modules of ``module`` px."""
    code = receipt_code(sale)
    drawn = bars(code)
    return {"code": code, "bars": drawn.bars, "width": drawn.width, "height": height, "module": module}
