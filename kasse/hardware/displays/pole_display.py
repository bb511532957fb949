"""A 2×20 VFD pole display speaking the Epson customer-display (DM-D) command set over serial.

Commands used (Epson DM-D / "ESC/POS for customer displays"; compatible displays from other vendors
usually offer this set as their "Epson" emulation):

- `ESC @`          1B 40        initialise the display
- `CLR`            0C           clear the screen, cursor to home
- `CAN`            18           clear the cursor line
- `HOM`            0B           cursor to home (column 1, line 1)
- `US $ n m`       1F 24 n m    cursor to column n (1–20), line m (1–2)
- `US MD1`         1F 01        overwrite mode (no scrolling)
- `US C n`         1F 43 n      cursor display off (0) / on (1)
- `US X n`         1F 58 n      brightness, n = 1 (dimmest) .. 4 (brightest)
- `ESC t n`        1B 74 n      select the character code table

The code table number for PC858 (the one with €, German umlauts and ß) varies by model and firmware,
so it is part of `CodePage` and configurable; `code_page=None` is for displays with plain ASCII only:
text is then transliterated (ä → ae, ß → ss, € → EUR).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol

from kasse.hardware.displays.base import CustomerDisplay

ESC, US = b"\x1b", b"\x1f"
INITIALISE = ESC + b"@"
CLEAR = b"\x0c"
CLEAR_LINE = b"\x18"
HOME = b"\x0b"
OVERWRITE_MODE = US + b"\x01"
CURSOR_OFF = US + b"C\x00"


def move_cursor(column: int, line: int) -> bytes:
    """`US $ n m`, 1-based."""
    if not (1 <= column <= 20 and 1 <= line <= 2):
        raise ValueError(f"cursor position {column},{line} is outside 20×2")
    return US + b"$" + bytes([column, line])


def brightness(level: int) -> bytes:
    if not 1 <= level <= 4:
        raise ValueError("brightness is 1..4")
    return US + b"X" + bytes([level])


@dataclass(frozen=True)
class CodePage:
    name: str
    number: int  # the n of ESC t n on this display
    encoding: str  # the Python codec with the same table

    def select(self) -> bytes:
        return ESC + b"t" + bytes([self.number])


PC437 = CodePage("PC437", 0, "cp437")
PC850 = CodePage("PC850", 2, "cp850")
PC858 = CodePage("PC858", 19, "cp858")
WPC1252 = CodePage("WPC1252", 16, "cp1252")

_GERMAN_ASCII = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "Ä": "Ae",
    "Ö": "Oe",
    "Ü": "Ue",
    "ß": "ss",
    "ẞ": "SS",
    "€": "EUR",
    "–": "-",
    "—": "-",
    "„": '"',
    "“": '"',
    "”": '"',
    "‚": "'",
    "‘": "'",
    "’": "'",
    "…": "...",
    "×": "x",
    "\u00a0": " ",
}


def to_ascii(text: str) -> str:
    """German-aware transliteration: ä → ae, € → EUR, é → e, anything else unknown → ?."""
    out = []
    for char in text:
        if char in _GERMAN_ASCII:
            out.append(_GERMAN_ASCII[char])
        elif 0x20 <= ord(char) < 0x7F:
            out.append(char)
        else:
            base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
            out.append(base if base.isprintable() and base else "?")
    return "".join(out)


class Writer(Protocol):
    def write(self, data: bytes, /) -> Any: ...


class PoleDisplay(CustomerDisplay):
    """An Epson DM-D compatible display on anything with `write(bytes)` (a pyserial port, a transport)."""

    def __init__(self, transport: Writer, *, code_page: CodePage | None = PC858) -> None:
        self.transport = transport
        self.code_page = code_page
        if code_page is None:
            self.currency = "EUR"

    @classmethod
    def serial(cls, port: str, baudrate: int = 9600, *, code_page: CodePage | None = PC858) -> PoleDisplay:
        import serial  # pyserial; imported here so the module loads without it

        return cls(serial.Serial(port, baudrate, timeout=1, write_timeout=1), code_page=code_page)

    # text ----------------------------------------------------------------------------------------

    def displayable(self, text: str) -> str:
        if self.code_page is None:
            return to_ascii(text)
        out = []
        for char in text:
            try:
                char.encode(self.code_page.encoding)
            except UnicodeEncodeError:
                out.append(to_ascii(char))
            else:
                out.append(char if char.isprintable() else "?")
        return "".join(out)

    def encode_line(self, text: str) -> bytes:
        """Exactly `columns` bytes: the displayable text, cut and padded with spaces."""
        text = self.displayable(text)[: self.columns].ljust(self.columns)
        return text.encode(self.code_page.encoding if self.code_page else "ascii")

    # commands ------------------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        self.transport.write(data)
        flush = getattr(self.transport, "flush", None)
        if callable(flush):
            flush()

    def initialise(self) -> None:
        data = INITIALISE + OVERWRITE_MODE + CURSOR_OFF
        if self.code_page is not None:
            data += self.code_page.select()
        self.send(data)

    def clear(self) -> None:
        self.send(CLEAR)

    def set_brightness(self, level: int) -> None:
        self.send(brightness(level))

    def show(self, line1: str, line2: str = "") -> None:
        # Both lines are always written in full, so leftovers of a longer previous text disappear
        # without a CLR (which would flicker on a VFD).
        self.send(move_cursor(1, 1) + self.encode_line(line1) + move_cursor(1, 2) + self.encode_line(line2))

    def close(self) -> None:
        close = getattr(self.transport, "close", None)
        if callable(close):
            close()
