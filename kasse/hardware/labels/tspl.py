"""LabelDocument -> TSPL (TSC and compatible printers): CRLF-terminated lines in code page 1252.

Fonts: TSPL's built-in bitmap fonts "1".."5" (heights 12, 20, 24, 32, 48 dots) with an integer
multiplier; we pick the combination closest to the requested height.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kasse.hardware.labels.document import LabelDocument

FONT_HEIGHTS = {"1": 12, "2": 20, "3": 24, "4": 32, "5": 48}


def pick_font(height_dots: int) -> tuple[str, int]:
    """(font, multiplier) whose height is closest to `height_dots`; smaller font wins ties."""
    options = [(abs(h * m - height_dots), h * m, f, m) for f, h in FONT_HEIGHTS.items() for m in range(1, 11)]
    _, _, font, mult = min(options)
    return font, mult


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\["]') + '"'


def _mm(value: float) -> str:
    return f"{value:g} mm"


def render_tspl(doc: LabelDocument) -> bytes:
    lines = [
        f"SIZE {_mm(doc.width_mm)},{_mm(doc.height_mm)}",
        f"GAP {_mm(doc.gap_mm)},0 mm",
        "DIRECTION 1",
        "CODEPAGE 1252",
        "CLS",
    ]
    for t in doc.texts:
        font, mult = pick_font(doc.dots(t.height_mm))
        lines.append(f"TEXT {doc.dots(t.x_mm)},{doc.dots(t.y_mm)},{_quote(font)},0,{mult},{mult},{_quote(t.text)}")
    if doc.barcode is not None:
        b = doc.barcode
        module = b.module_dots
        x, y, h = doc.dots(b.x_mm), doc.dots(b.y_mm), doc.dots(b.height_mm)
        lines.append(f'BARCODE {x},{y},"EAN13",{h},1,0,{module},{module},"{b.code[:12]}"')
    lines.append(f"PRINT {doc.copies}")
    return "".join(line + "\r\n" for line in lines).encode("cp1252", errors="replace")
