"""The receipt code as Code 128 bars for the PDF and the on-screen receipt (python-barcode encodes).

The printer draws its own barcode from the text (ESC/POS ``GS k``); screens and PDFs need the bars, which
python-barcode computes (code sets B and C, check symbol, stop pattern). Here they become ``(x, width)``
runs of dark modules with a quiet zone on both sides, which a template draws as SVG rectangles and the PDF
as filled boxes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from barcode import Code128

QUIET_ZONE = 10  # modules of white on each side


@dataclass(frozen=True)
class Bars:
    """The dark bars of a code in modules, ``(x, width)`` each, and the total width with quiet zones."""

    bars: tuple[tuple[int, int], ...]
    width: int


def code128_bars(text: str) -> Bars:
    """``text`` (printable ASCII) as Code 128 bars."""
    modules = Code128(text).build()[0]
    dark: list[tuple[int, int]] = []
    x = QUIET_ZONE
    for module, run in itertools.groupby(modules):
        width = len(list(run))
        if module == "1":
            dark.append((x, width))
        x += width
    return Bars(bars=tuple(dark), width=x + QUIET_ZONE)
