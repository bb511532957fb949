"""The label document: size in mm, text fields, an EAN-13 barcode, copies.

Prices are formatted the German way (decimal comma, `€` after the amount). `shelf_label` builds
the usual shelf label with the base price line German price labelling (PAngV) asks for when
goods are sold by weight or volume, e.g. "1 kg = 7,80 €".
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

_BASE_UNITS = {"g": ("kg", Decimal(1000)), "kg": ("kg", Decimal(1)), "ml": ("l", Decimal(1000)), "l": ("l", Decimal(1))}


def ean13_check_digit(first12: str) -> int:
    """GS1 mod-10 check digit for 12 digits (weights 1, 3, 1, 3, ... from the left)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def ean13_is_valid(code: str) -> bool:
    return len(code) == 13 and code.isascii() and code.isdigit() and ean13_check_digit(code[:12]) == int(code[12])


def format_eur(amount: Decimal) -> str:
    """`Decimal("1234.5")` -> `"1.234,50 €"`."""
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ""
    whole, frac = f"{abs(cents):.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{groups},{frac} €"


def base_price_line(price: Decimal, quantity: Decimal, unit: str) -> str:
    """Price per 1 kg or 1 l for a package of `quantity` `unit` (g, kg, ml, l): "1 kg = 7,80 €"."""
    if unit not in _BASE_UNITS:
        raise ValueError(f"unit must be one of {sorted(_BASE_UNITS)}")
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    base_unit, per_base = _BASE_UNITS[unit]
    per_unit = price * per_base / quantity
    return f"1 {base_unit} = {format_eur(per_unit)}"


@dataclass(frozen=True)
class TextField:
    x_mm: float
    y_mm: float
    text: str
    height_mm: float = 3.0


@dataclass(frozen=True)
class BarcodeField:
    """An EAN-13 barcode; `code` has 13 digits with a valid check digit."""

    x_mm: float
    y_mm: float
    code: str
    height_mm: float = 10.0
    module_dots: int = 2

    def __post_init__(self) -> None:
        if not ean13_is_valid(self.code):
            raise ValueError(f"not a valid EAN-13: {self.code!r}")


@dataclass(frozen=True)
class LabelDocument:
    width_mm: float
    height_mm: float
    gap_mm: float = 2.0
    texts: tuple[TextField, ...] = ()
    barcode: BarcodeField | None = None
    copies: int = 1
    dpi: int = 203

    def __post_init__(self) -> None:
        if not 1 <= self.copies <= 9999:
            raise ValueError("copies must be between 1 and 9999")
        if self.width_mm <= 0 or self.height_mm <= 0:
            raise ValueError("label size must be positive")

    @property
    def dots_per_mm(self) -> int:
        return {203: 8, 300: 12, 600: 24}.get(self.dpi, round(self.dpi / 25.4))

    def dots(self, mm: float) -> int:
        return round(mm * self.dots_per_mm)


def shelf_label(
    name: str,
    price: Decimal,
    *,
    ean: str | None = None,
    quantity: Decimal | None = None,
    unit: str | None = None,
    width_mm: float = 50,
    height_mm: float = 30,
    copies: int = 1,
) -> LabelDocument:
    """Name (up to two lines), price, base price line when sold by weight/volume, EAN-13."""
    chars_per_line = max(8, int((width_mm - 4) / 2))  # the name font is 2 mm per character
    name_lines = textwrap.wrap(name, chars_per_line)[:2] or [""]
    texts = [TextField(2, 2 + 3.5 * i, line, 3) for i, line in enumerate(name_lines)]
    texts.append(TextField(2, 9.5, format_eur(price), 5))
    if quantity is not None and unit is not None:
        texts.append(TextField(2, 15.5, base_price_line(price, quantity, unit), 2.5))
    barcode = BarcodeField(width_mm - 30, height_mm - 12, ean, height_mm=7) if ean else None
    return LabelDocument(width_mm, height_mm, texts=tuple(texts), barcode=barcode, copies=copies)
