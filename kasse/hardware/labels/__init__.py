"""Shelf and product labels: a small document model and renderers to TSPL (TSC) and ZPL II (Zebra)."""

from kasse.hardware.labels.document import (
    BarcodeField,
    LabelDocument,
    TextField,
    base_price_line,
    ean13_is_valid,
    format_eur,
    shelf_label,
)
from kasse.hardware.labels.tspl import render_tspl
from kasse.hardware.labels.zpl import render_zpl

__all__ = [
    "BarcodeField",
    "LabelDocument",
    "TextField",
    "base_price_line",
    "ean13_is_valid",
    "format_eur",
    "render_tspl",
    "render_zpl",
    "shelf_label",
]
