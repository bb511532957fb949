"""Render a `ReceiptDocument` to standard ESC/POS bytes for a printer profile.

The commands are emitted directly (not through python-escpos) so every byte is known and testable;
the code page is always selected explicitly with `ESC t n` after `ESC @`, because printers drop back
to their default page on initialise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kasse.hardware.printers.base import (
    Align,
    Barcode,
    Block,
    Columns,
    Cut,
    DrawerPin,
    Feed,
    Logo,
    QRCode,
    ReceiptDocument,
    Separator,
    Table,
    TextLine,
)
from kasse.hardware.printers.text import encode_text, fit_columns, fit_table, printable, wrap_phrases

if TYPE_CHECKING:
    from PIL.Image import Image

    from kasse.hardware.printers.profiles import PrinterProfile

ESC = b"\x1b"
GS = b"\x1d"
LF = b"\n"

INIT = ESC + b"@"
_ALIGN = {Align.LEFT: 0, Align.CENTER: 1, Align.RIGHT: 2}
_QR_LEVEL = {"L": 48, "M": 49, "Q": 50, "H": 51}
RASTER_BAND_ROWS = 256  # send tall images in bands; small printer buffers choke on one huge block


def select_codepage(n: int) -> bytes:
    return ESC + b"t" + bytes([n])


def align(value: Align) -> bytes:
    return ESC + b"a" + bytes([_ALIGN[value]])


def bold(on: bool) -> bytes:
    return ESC + b"E" + bytes([1 if on else 0])


def char_size(double_width: bool, double_height: bool) -> bytes:
    return GS + b"!" + bytes([(0x10 if double_width else 0) | (0x01 if double_height else 0)])


def feed(lines: int) -> bytes:
    return ESC + b"d" + bytes([lines])


def cut(partial: bool = False) -> bytes:
    """`GS V 0/1`: cut where the paper is now (the last line may still be before the cutter)."""
    return GS + b"V" + bytes([1 if partial else 0])


def feed_and_cut(partial: bool = False, units: int = 0) -> bytes:
    """`GS V 65/66 n` (function B): feed to the cutting position plus `n` motion units, then cut fully (65)
    or partially (66). The printer knows how far its cutter sits behind the print head, so the last line is
    never cut off or left on the next receipt."""
    return GS + b"V" + bytes([66 if partial else 65, max(0, min(255, units))])


def end_of_receipt(profile: PrinterProfile, partial: bool = False) -> bytes:
    """What ends a receipt on this printer: feed-and-cut, or without a cutter a feed to the tear bar."""
    if profile.has_cutter:
        return feed_and_cut(partial, profile.cut_feed_units)
    return feed(profile.tear_feed_lines)


def drawer_kick(pin: DrawerPin = DrawerPin.PIN_2, on_ms: int = 50, off_ms: int = 500) -> bytes:
    """`ESC p m t1 t2`: m=0 pin 2, m=1 pin 5; pulse on t1×2 ms, off t2×2 ms."""
    m = 0 if pin == DrawerPin.PIN_2 else 1
    return ESC + b"p" + bytes([m, min(255, on_ms // 2), min(255, off_ms // 2)])


def barcode_code128(data: str, height: int = 80, module_width: int = 2) -> bytes:
    """CODE128 code set B with the human readable text below (`GS h`, `GS w`, `GS H`, `GS k 73`)."""
    payload = b"{B" + data.encode("ascii")
    if len(payload) > 255:
        raise ValueError("CODE128 payload too long")
    return (
        GS + b"h" + bytes([height])
        + GS + b"w" + bytes([module_width])
        + GS + b"H" + b"\x02"  # HRI below
        + GS + b"f" + b"\x00"  # HRI font A
        + GS + b"k" + bytes([73, len(payload)]) + payload
    )  # fmt: skip


def _qr_function(fn: int, params: bytes) -> bytes:
    size = len(params) + 2  # cn + fn
    return GS + b"(k" + bytes([size & 0xFF, size >> 8, 49, fn]) + params


def qr_code(data: str, size: int = 6, error_level: str = "M") -> bytes:
    """`GS ( k`: model 2, module size, error correction, store data, print."""
    payload = data.encode("utf-8")
    return (
        _qr_function(65, bytes([50, 0]))  # model 2
        + _qr_function(67, bytes([size]))
        + _qr_function(69, bytes([_QR_LEVEL[error_level]]))
        + _qr_function(80, b"0" + payload)  # store in symbol area (m=48)
        + _qr_function(81, b"0")  # print
    )


def raster_image(image: Image, max_width: int) -> bytes:
    """`GS v 0` raster bit image; 1 bits are black. Wider images are scaled to `max_width` dots."""
    from PIL import Image as PILImage

    img = image
    if img.mode in ("RGBA", "LA", "P"):
        background = PILImage.new("RGBA", img.size, (255, 255, 255, 255))
        img = PILImage.alpha_composite(background, img.convert("RGBA"))
    if img.width > max_width:
        height = max(1, round(img.height * max_width / img.width))
        img = img.resize((max_width, height))
    mono = img.convert("L").convert("1")  # Floyd-Steinberg dither; 0 = black
    width_bytes = (mono.width + 7) // 8
    # PIL's "1" mode packs rows MSB first with 1 = white; the printer wants 1 = black.
    packed = bytes(b ^ 0xFF for b in mono.tobytes())
    padding_bits = width_bytes * 8 - mono.width
    if padding_bits:
        mask = (0xFF << padding_bits) & 0xFF
        lines = [packed[i : i + width_bytes] for i in range(0, len(packed), width_bytes)]
        packed = b"".join(line[:-1] + bytes([line[-1] & mask]) for line in lines)
    out = bytearray()
    for top in range(0, mono.height, RASTER_BAND_ROWS):
        rows = min(RASTER_BAND_ROWS, mono.height - top)
        header = GS + b"v0" + bytes([0, width_bytes & 0xFF, width_bytes >> 8, rows & 0xFF, rows >> 8])
        out += header + packed[top * width_bytes : (top + rows) * width_bytes]
    return bytes(out)


@dataclass
class _State:
    align: Align = Align.LEFT
    bold: bool = False
    double_width: bool = False
    double_height: bool = False


class EscPosRenderer:
    """Turns documents into bytes for one profile; tracks text style so commands are sent only on change."""

    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile

    def render(self, document: ReceiptDocument) -> bytes:
        self._state = _State()
        self._out = bytearray(INIT + select_codepage(self.profile.codepage_number))
        for block in document.blocks:
            self._block(block)
        self._set(Align.LEFT, False, False, False)
        return bytes(self._out)

    def _set(self, new_align: Align, new_bold: bool, double_width: bool, double_height: bool) -> None:
        s = self._state
        if new_align != s.align:
            self._out += align(new_align)
        if new_bold != s.bold:
            self._out += bold(new_bold)
        if (double_width, double_height) != (s.double_width, s.double_height):
            self._out += char_size(double_width, double_height)
        self._state = _State(new_align, new_bold, double_width, double_height)

    def _line(self, text: str) -> None:
        self._out += encode_text(text, self.profile.codec) + LF

    def _block(self, block: Block) -> None:
        columns = self.profile.columns
        codec = self.profile.codec
        if isinstance(block, TextLine):
            self._set(block.align, block.bold, block.double_width, block.double_height)
            for line in wrap_phrases(printable(block.text, codec), columns // 2 if block.double_width else columns):
                self._line(line)
        elif isinstance(block, Separator):
            self._set(Align.LEFT, False, False, False)
            self._line(block.char * columns)
        elif isinstance(block, Columns):
            self._set(Align.LEFT, block.bold, False, block.double_height)
            for line in fit_columns(printable(block.left, codec), printable(block.right, codec), columns):
                self._line(line)
        elif isinstance(block, Table):
            self._set(Align.LEFT, False, False, False)
            header = tuple(printable(cell, codec) for cell in block.header)
            rows = tuple(tuple(printable(cell, codec) for cell in row) for row in block.rows)
            for line in fit_table(header, rows, columns):
                self._line(line)
        elif isinstance(block, Barcode):
            self._set(Align.CENTER, False, False, False)
            self._out += barcode_code128(block.data, block.height, block.module_width) + LF
        elif isinstance(block, QRCode):
            self._set(block.align, False, False, False)
            self._out += qr_code(block.data, block.size, block.error_level.value) + LF
        elif isinstance(block, Logo):
            self._set(block.align, False, False, False)
            self._out += raster_image(block.image, self.profile.dots_per_line)
        elif isinstance(block, Feed):
            if block.lines:
                self._out += feed(block.lines)
        elif isinstance(block, Cut):
            self._out += end_of_receipt(self.profile, block.partial)
        else:  # pragma: no cover - exhaustive over Block
            raise TypeError(f"unknown receipt block {block!r}")


def render(document: ReceiptDocument, profile: PrinterProfile) -> bytes:
    return EscPosRenderer(profile).render(document)
