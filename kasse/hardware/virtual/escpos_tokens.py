"""Split an ESC/POS byte stream into commands.

`parse_one` reads one command at an offset and says when the stream ends inside a command (so a
network server can wait for more bytes). It never raises on garbage: unknown commands become a
one-byte `UNKNOWN_*` command and the decoder carries on. Byte counts follow the Epson ESC/POS
command reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LF, CR, HT, FF = 0x0A, 0x0D, 0x09, 0x0C
_TEXT_RUN = re.compile(rb"[^\x00-\x1f\x7f]+")

# Number of parameter bytes after ESC <c> / GS <c> / FS <c> for fixed-length commands.
_ESC_FIXED: dict[int, tuple[str, int]] = {
    ord("@"): ("INIT", 0),
    ord("!"): ("PRINT_MODE", 1),
    ord("-"): ("UNDERLINE", 1),
    ord("2"): ("LINE_SPACING_DEFAULT", 0),
    ord("3"): ("LINE_SPACING", 1),
    ord("E"): ("BOLD", 1),
    ord("G"): ("DOUBLE_STRIKE", 1),
    ord("J"): ("FEED_DOTS", 1),
    ord("M"): ("FONT", 1),
    ord("R"): ("INTERNATIONAL_CHARSET", 1),
    ord("V"): ("ROTATE", 1),
    ord("a"): ("ALIGN", 1),
    ord("d"): ("FEED_LINES", 1),
    ord("e"): ("REVERSE_FEED", 1),
    ord("t"): ("CODE_PAGE", 1),
    ord("{"): ("UPSIDE_DOWN", 1),
    ord("p"): ("DRAWER_KICK", 3),
    ord(" "): ("CHAR_SPACING", 1),
    ord("$"): ("ABSOLUTE_POSITION", 2),
    ord("\\"): ("RELATIVE_POSITION", 2),
    ord("i"): ("CUT_PARTIAL_LEGACY", 0),
    ord("m"): ("CUT_PARTIAL_LEGACY", 0),
    ord("c"): ("PANEL_AND_SENSORS", 2),
    ord("U"): ("UNIDIRECTIONAL", 1),
    ord("r"): ("COLOR", 1),
    ord("S"): ("STANDARD_MODE", 0),
    ord("L"): ("PAGE_MODE", 0),
    ord("T"): ("PAGE_DIRECTION", 1),
    ord("%"): ("USER_CHARSET", 1),
    ord("="): ("PERIPHERAL", 1),
    ord("?"): ("CANCEL_USER_CHAR", 1),
    ord("W"): ("PAGE_AREA", 8),
}
_GS_FIXED: dict[int, tuple[str, int]] = {
    ord("!"): ("CHAR_SIZE", 1),
    ord("B"): ("REVERSE", 1),
    ord("H"): ("HRI_POSITION", 1),
    ord("I"): ("PRINTER_ID", 1),
    ord("L"): ("LEFT_MARGIN", 2),
    ord("P"): ("MOTION_UNITS", 2),
    ord("W"): ("PRINT_AREA_WIDTH", 2),
    ord("a"): ("AUTO_STATUS", 1),
    ord("b"): ("SMOOTHING", 1),
    ord("f"): ("HRI_FONT", 1),
    ord("h"): ("BARCODE_HEIGHT", 1),
    ord("r"): ("TRANSMIT_STATUS", 1),
    ord("w"): ("BARCODE_WIDTH", 1),
    ord("/"): ("PRINT_DOWNLOADED_IMAGE", 1),
    ord("E"): ("HEAD_CONTROL", 1),
    ord("$"): ("ABSOLUTE_VERTICAL_POSITION", 2),
    ord("\\"): ("RELATIVE_VERTICAL_POSITION", 2),
    ord("^"): ("EXECUTE_MACRO", 3),
    ord(":"): ("MACRO_DEFINITION", 0),
    ord("T"): ("LINE_START", 1),
    ord("j"): ("AUTO_STATUS_INK", 1),
}
_FS_FIXED: dict[int, tuple[str, int]] = {
    ord("p"): ("PRINT_NV_IMAGE", 2),
    ord("."): ("CANCEL_KANJI", 0),
    ord("&"): ("KANJI_MODE", 0),
    ord("!"): ("KANJI_PRINT_MODE", 1),
    ord("-"): ("KANJI_UNDERLINE", 1),
    ord("C"): ("KANJI_CODE_SYSTEM", 1),
    ord("S"): ("KANJI_SPACING", 2),
    ord("W"): ("KANJI_QUADRUPLE", 1),
}
_CUT_ONE_PARAM = {0, 1, 48, 49}
_CUT_TWO_PARAMS = {65, 66, 97, 98, 103, 104}
MAX_NUL_TERMINATED = 255


@dataclass(frozen=True, slots=True)
class Command:
    """One command (or run of text) at `offset` in the stream; `params` excludes the prefix."""

    name: str
    offset: int
    raw: bytes
    params: bytes = b""

    def __repr__(self) -> str:
        return f"Command({self.name}, @{self.offset}, {self.params[:16]!r})"


def _fixed(name: str, data: bytes, pos: int, prefix: int, count: int) -> Command | None:
    end = pos + prefix + count
    if end > len(data):
        return None
    return Command(name, pos, data[pos:end], data[pos + prefix : end])


def _u16(data: bytes, at: int) -> int:
    return data[at] + 256 * data[at + 1]


def _parse_esc(data: bytes, pos: int) -> Command | None:
    if pos + 1 >= len(data):
        return None
    c = data[pos + 1]
    if c in _ESC_FIXED:
        name, count = _ESC_FIXED[c]
        return _fixed(name, data, pos, 2, count)
    if c == ord("*"):  # bit image: m nL nH then n (8-dot) or 3n (24-dot) bytes
        if pos + 5 > len(data):
            return None
        m, n = data[pos + 2], _u16(data, pos + 3)
        return _fixed("BIT_IMAGE", data, pos, 2, 3 + (3 * n if m in (32, 33) else n))
    if c == ord("D"):  # tab positions, NUL-terminated, at most 32
        end = data.find(b"\x00", pos + 2, pos + 2 + 33)
        if end < 0:
            return None if len(data) < pos + 2 + 33 else Command("UNKNOWN_ESC", pos, data[pos : pos + 2])
        return Command("TAB_POSITIONS", pos, data[pos : end + 1], data[pos + 2 : end])
    return Command("UNKNOWN_ESC", pos, data[pos : pos + 2], bytes([c]))


def _parse_gs(data: bytes, pos: int) -> Command | None:
    if pos + 1 >= len(data):
        return None
    c = data[pos + 1]
    if c in _GS_FIXED:
        name, count = _GS_FIXED[c]
        return _fixed(name, data, pos, 2, count)
    if c == ord("V"):
        if pos + 2 >= len(data):
            return None
        m = data[pos + 2]
        if m in _CUT_ONE_PARAM:
            return _fixed("CUT", data, pos, 2, 1)
        if m in _CUT_TWO_PARAMS:
            return _fixed("CUT", data, pos, 2, 2)
        return Command("UNKNOWN_GS", pos, data[pos : pos + 3], data[pos + 1 : pos + 3])
    if c == ord("k"):
        return _parse_barcode(data, pos)
    if c == ord("v"):  # GS v 0 m xL xH yL yH d1..dk
        if pos + 8 > len(data):
            return None
        if data[pos + 2] != 0x30:
            return Command("UNKNOWN_GS", pos, data[pos : pos + 3], data[pos + 1 : pos + 3])
        size = _u16(data, pos + 4) * _u16(data, pos + 6)
        return _fixed("RASTER_IMAGE", data, pos, 3, 5 + size)
    if c == ord("("):  # GS ( <fn> pL pH <pL + 256 pH bytes>
        if pos + 5 > len(data):
            return None
        name = {ord("k"): "SYMBOL", ord("L"): "GRAPHICS"}.get(data[pos + 2], "GS_PAREN_" + chr(data[pos + 2]))
        return _fixed(name, data, pos, 5, _u16(data, pos + 3))
    if c == ord("8") and pos + 2 < len(data) and data[pos + 2] == ord("L"):  # GS 8 L p1..p4
        if pos + 7 > len(data):
            return None
        size = int.from_bytes(data[pos + 3 : pos + 7], "little")
        return _fixed("GRAPHICS_LARGE", data, pos, 7, size)
    if c == ord("*"):  # define downloaded bit image: x y then x*y*8 bytes
        if pos + 4 > len(data):
            return None
        return _fixed("DEFINE_DOWNLOADED_IMAGE", data, pos, 2, 2 + data[pos + 2] * data[pos + 3] * 8)
    return Command("UNKNOWN_GS", pos, data[pos : pos + 2], bytes([c]))


def _parse_barcode(data: bytes, pos: int) -> Command | None:
    if pos + 2 >= len(data):
        return None
    m = data[pos + 2]
    if m <= 6:  # function A: NUL-terminated data
        end = data.find(b"\x00", pos + 3, pos + 4 + MAX_NUL_TERMINATED)
        if end < 0:
            if len(data) < pos + 4 + MAX_NUL_TERMINATED:
                return None
            return Command("UNKNOWN_GS", pos, data[pos : pos + 3], data[pos + 1 : pos + 3])
        return Command("BARCODE", pos, data[pos : end + 1], data[pos + 2 : end])
    if 65 <= m <= 79:  # function B: m n d1..dn
        if pos + 3 >= len(data):
            return None
        return _fixed("BARCODE", data, pos, 2, 2 + data[pos + 3])
    return Command("UNKNOWN_GS", pos, data[pos : pos + 3], data[pos + 1 : pos + 3])


def _parse_dle(data: bytes, pos: int) -> Command | None:
    if pos + 1 >= len(data):
        return None
    c = data[pos + 1]
    if c == 0x04:
        return _fixed("STATUS_QUERY", data, pos, 2, 1)
    if c == 0x05:
        return _fixed("REALTIME_REQUEST", data, pos, 2, 1)
    if c == 0x14:
        if pos + 2 >= len(data):
            return None
        fn = data[pos + 2]
        return _fixed("REALTIME_COMMAND", data, pos, 2, 8 if fn == 8 else 3)
    return Command("CONTROL", pos, data[pos : pos + 1], data[pos : pos + 1])


def parse_one(data: bytes, pos: int) -> Command | None:
    """The command starting at `pos`, or None when `data` ends inside it."""
    if pos >= len(data):
        return None
    b = data[pos]
    if b >= 0x20 and b != 0x7F:
        match = _TEXT_RUN.match(data, pos)
        assert match is not None  # b itself matches
        return Command("TEXT", pos, match.group(), match.group())
    if b == LF:
        return Command("LF", pos, data[pos : pos + 1])
    if b == CR:
        return Command("CR", pos, data[pos : pos + 1])
    if b == HT:
        return Command("HT", pos, data[pos : pos + 1])
    if b == FF:
        return Command("FF", pos, data[pos : pos + 1])
    if b == ESC:
        return _parse_esc(data, pos)
    if b == GS:
        return _parse_gs(data, pos)
    if b == FS:
        cmd = None
        if pos + 1 < len(data) and data[pos + 1] in _FS_FIXED:
            name, count = _FS_FIXED[data[pos + 1]]
            return _fixed(name, data, pos, 2, count)
        if pos + 1 >= len(data):
            return cmd
        return Command("UNKNOWN_FS", pos, data[pos : pos + 2], data[pos + 1 : pos + 2])
    if b == DLE:
        return _parse_dle(data, pos)
    return Command("CONTROL", pos, data[pos : pos + 1], data[pos : pos + 1])


def iter_commands(data: bytes) -> tuple[list[Command], bytes]:
    """All complete commands in `data` and the incomplete tail (empty when the stream ends cleanly)."""
    commands: list[Command] = []
    pos = 0
    while pos < len(data):
        cmd = parse_one(data, pos)
        if cmd is None:
            return commands, data[pos:]
        commands.append(cmd)
        pos += len(cmd.raw)
    return commands, b""
