"""Printer profiles: paper width, characters per line, raster width and the code page table number.

Sources: python-escpos's capabilities data (escpos-printer-db) for the Epson models and the
generic 58 mm class; ESC/POS's code page table where page 19 is PC858 (Euro) on Epson and on
the common Epson-compatible firmwares. The HPRT TP808 has no public profile there: it is an
80 mm, 203 dpi printer (576 dots, 48 columns in font A) and we assume the Epson table for `ESC t`;
if a unit prints the wrong glyph for €, choose another code page in the printer's settings (`CODE_PAGES`).

The end of a receipt: printers with a cutter get `GS V 65/66 n` ("feed to the cutting position plus n motion
units, then cut"), so the last line always clears the cutter however far behind the print head it sits
(about 15 mm on the TP808); `cut_margin_mm` is the blank space left below the last line. Printers without a
cutter feed `tear_feed_lines` so the last line clears the tear bar.
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
    cut_margin_mm: float = 3.0  # blank paper below the last line when cutting (n of GS V 65/66 n)
    tear_feed_lines: int = 4  # without a cutter: lines fed so the last line clears the tear bar

    @property
    def cut_feed_units(self) -> int:
        """n of `GS V 65/66 n`: the margin in vertical motion units (one dot at the printer's resolution)."""
        return max(0, min(255, round(self.cut_margin_mm * self.dpi / 25.4)))

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
    tear_feed_lines=5,  # the tear bar sits about 18 mm above the print line
)

HPRT_TP808 = PrinterProfile(
    key="hprt-tp808",
    name="HPRT TP808",
    paper_mm=80,
    columns=48,
    dots_per_line=576,
    dpi=203,
    cut_margin_mm=5.0,  # its cutter sits about 15 mm past the print line; leave a visible margin after the end
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


@dataclass(frozen=True)
class CodePage:
    """A character table a printer can be switched to: the Python codec and n of `ESC t n`."""

    key: str
    name: str
    codec: str
    number: int


# The tables a printer may be set to when the profile's default prints wrong glyphs (numbers from Epson's
# ESC/POS table; most compatible firmwares use the same). Only some have "€"; without it the receipt says "EUR".
CODE_PAGES: dict[str, CodePage] = {
    page.key: page
    for page in (
        CodePage("cp858-19", "PC858 Euro (ESC t 19)", "cp858", 19),
        CodePage("cp1252-16", "WPC1252 Windows Latin-1 (ESC t 16)", "cp1252", 16),
        CodePage("cp850-2", "PC850 Multilingual, no € (ESC t 2)", "cp850", 2),
        CodePage("cp437-0", "PC437 USA, no € (ESC t 0)", "cp437", 0),
    )
}


def get_profile(key: str, *, codepage: str = "") -> PrinterProfile:
    """The profile ``key``; ``codepage`` (a key of ``CODE_PAGES``) overrides its character table."""
    profile = _base_profile(key)
    if codepage:
        try:
            page = CODE_PAGES[codepage]
        except KeyError:
            raise KeyError(f"unknown code page {codepage!r}; known: {', '.join(CODE_PAGES)}") from None
        profile = profile.with_overrides(codec=page.codec, codepage_number=page.number)
    return profile


def _base_profile(key: str) -> PrinterProfile:
    try:
        return PROFILES[key]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise KeyError(f"unknown printer profile {key!r}; known: {known}") from None
