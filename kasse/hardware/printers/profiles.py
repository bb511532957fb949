"""Printer profiles: paper width, characters per line, raster width and the code page table number.

Sources: python-escpos's capabilities data (escpos-printer-db) for the Epson models and the
generic 58 mm class; ESC/POS's code page table where page 19 is PC858 (Euro) on Epson and on
the common Epson-compatible firmwares. The HPRT TP808 has no public profile there: it is an
80 mm, 203 dpi printer (576 dots, 48 columns in font A) and we assume the Epson table for `ESC t`;
if a unit prints the wrong glyph for €, override `codepage_number` in the node's device settings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

CP858 = "cp858"
CP858_EPSON_TABLE = 19


@dataclass(frozen=True)
class PrinterProfile:
    key: str
    name: str
    paper_mm: int
    columns: int  # characters per line in font A
    dots_per_line: int  # printable raster width
    dpi: int
    codec: str = CP858  # Python codec used for text
    codepage_number: int = CP858_EPSON_TABLE  # n of `ESC t n` selecting that code page
    has_cutter: bool = True
    has_native_qr: bool = True
    drawer_open_signal_high: bool = True  # DLE EOT 1 bit 2 meaning depends on the drawer's switch

    def with_overrides(self, **changes: object) -> PrinterProfile:
        return replace(self, **changes)  # type: ignore[arg-type]


GENERIC_58 = PrinterProfile(
    key="generic-58",
    name="Generic 58 mm ESC/POS",
    paper_mm=58,
    columns=32,
    dots_per_line=384,
    dpi=203,
    has_cutter=False,  # most 58 mm units tear off
)

HPRT_TP808 = PrinterProfile(
    key="hprt-tp808",
    name="HPRT TP808",
    paper_mm=80,
    columns=48,
    dots_per_line=576,
    dpi=203,
)

EPSON_TM_T20 = PrinterProfile(
    key="epson-tm-t20",
    name="Epson TM-T20 class",
    paper_mm=80,
    columns=48,
    dots_per_line=576,
    dpi=203,
)

# The TM-T20 can be switched to 42 columns (memory switch); the TM-T88 class prints 42 columns in font A at 180 dpi.
EPSON_TM_T20_42 = EPSON_TM_T20.with_overrides(
    key="epson-tm-t20-42", name="Epson TM-T20 class (42 column mode)", columns=42, dots_per_line=546
)

EPSON_TM_T88 = PrinterProfile(
    key="epson-tm-t88",
    name="Epson TM-T88 class",
    paper_mm=80,
    columns=42,
    dots_per_line=512,
    dpi=180,
)

PROFILES: dict[str, PrinterProfile] = {
    p.key: p for p in (GENERIC_58, HPRT_TP808, EPSON_TM_T20, EPSON_TM_T20_42, EPSON_TM_T88)
}


def get_profile(key: str) -> PrinterProfile:
    try:
        return PROFILES[key]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise KeyError(f"unknown printer profile {key!r}; known: {known}") from None
