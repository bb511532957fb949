"""Decode an ESC/POS byte stream into text lines, a command list and a picture of the receipt.

`decode(data)` never raises on truncated or garbage input: unknown commands are skipped with a
note, a command cut off at the end of the stream is reported and ignored. The decoder tracks the
state a thermal printer keeps (code page, bold, alignment, character size, barcode settings, the
QR code symbol store) and turns what would be printed into `elements`, which
`escpos_picture.render_picture` draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from kasse.hardware.virtual.escpos_tokens import Command, iter_commands

if TYPE_CHECKING:
    from PIL.Image import Image

Align = Literal["left", "center", "right"]

PAPER_WIDTH_PX = {58: 384, 80: 576}
# ESC t n -> Python codec (Epson numbering). 19 is CP858, which has the euro sign.
CODE_PAGES = {
    0: "cp437",
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    16: "cp1252",
    17: "cp866",
    19: "cp858",
}
BARCODE_TYPES = {
    0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR",
    65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "CODABAR",
    72: "CODE93", 73: "CODE128",
}  # fmt: skip
QR_ERROR_LEVELS = {48: "L", 49: "M", 50: "Q", 51: "H"}
MAX_ELEMENTS = 20_000
MAX_NOTES = 200
MAX_QR_BYTES = 7089


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    bold: bool
    underline: bool
    width: int  # character size multipliers, 1..8
    height: int


@dataclass(frozen=True, slots=True)
class TextLine:
    segments: tuple[Segment, ...]
    align: Align

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass(frozen=True, slots=True)
class Barcode:
    symbology: str
    data: str
    height: int
    module_width: int
    hri: int  # 0 none, 1 above, 2 below, 3 both
    align: Align


@dataclass(frozen=True, slots=True)
class QrCode:
    data: str
    module_size: int
    error_level: str
    align: Align


@dataclass(frozen=True, slots=True)
class RasterImage:
    width: int
    height: int
    bits: bytes  # row-major, 1 bit per dot, MSB first, 1 = black
    scale_x: int
    scale_y: int
    align: Align


@dataclass(frozen=True, slots=True)
class Cut:
    partial: bool
    feed: int = 0  # GS V 65/66 n: motion units fed past the cutting position before the cut
    feeds_to_cutter: bool = False  # function B (65/66): the printer first feeds the last line past the cutter


Element = TextLine | Barcode | QrCode | RasterImage | Cut


@dataclass
class Receipt:
    """What a printer would have printed from one byte stream."""

    paper_width_px: int
    lines: list[str] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The printed text lines joined by newlines, without trailing blank lines."""
        return "\n".join(self.lines).rstrip("\n")

    @property
    def barcodes(self) -> list[Barcode]:
        return [e for e in self.elements if isinstance(e, Barcode)]

    @property
    def qr_codes(self) -> list[QrCode]:
        return [e for e in self.elements if isinstance(e, QrCode)]

    @property
    def images(self) -> list[RasterImage]:
        return [e for e in self.elements if isinstance(e, RasterImage)]

    @property
    def cuts(self) -> list[Cut]:
        return [e for e in self.elements if isinstance(e, Cut)]

    @property
    def command_names(self) -> list[str]:
        return [c.name for c in self.commands]

    def transcript(self) -> str:
        """Text with markers for barcodes, QR codes, images and cuts (the virtual printer's .txt)."""
        out: list[str] = []
        for e in self.elements:
            if isinstance(e, TextLine):
                out.append(e.text)
            elif isinstance(e, Barcode):
                out.append(f"[{e.symbology} {e.data}]")
            elif isinstance(e, QrCode):
                out.append(f"[QR {e.data}]")
            elif isinstance(e, RasterImage):
                out.append(f"[IMAGE {e.width * e.scale_x}x{e.height * e.scale_y}]")
            else:
                feed = f"(feed {e.feed}) " if e.feeds_to_cutter else ""
                out.append("-" * 8 + (" partial cut " if e.partial else " cut ") + feed + "-" * 8)
        return "\n".join(out) + "\n"

    def picture(self) -> Image:
        from kasse.hardware.virtual.escpos_picture import render_picture

        return render_picture(self)


def paper_width_px(paper_mm: int) -> int:
    """Printable dots for 58 mm (384) or 80 mm (576) paper at 203 dpi."""
    return PAPER_WIDTH_PX.get(paper_mm, round(paper_mm * 7.2))


def decode(data: bytes, *, paper_width_px: int = 576) -> Receipt:
    """Decode `data`; never raises for bad input."""
    receipt = Receipt(paper_width_px=paper_width_px)
    try:
        commands, tail = iter_commands(bytes(data))
    except Exception as exc:  # pragma: no cover - the tokenizer is total; belt and braces
        receipt.notes.append(f"tokenizer failed: {exc!r}")
        return receipt
    receipt.commands = commands
    state = _State(receipt)
    for cmd in commands:
        try:
            state.apply(cmd)
        except Exception as exc:  # one odd command must not lose the receipt
            state.note(f"@{cmd.offset} {cmd.name}: could not interpret ({exc!r})")
    if tail:
        state.note(f"@{len(data) - len(tail)} stream ends inside a command ({len(tail)} bytes skipped)")
    state.flush_line(force=False)
    return receipt


class _State:
    def __init__(self, receipt: Receipt) -> None:
        self.r = receipt
        self.reset()
        self.pending: list[Segment] = []
        self.line_align: Align = "left"

    def reset(self) -> None:
        self.codec = "cp437"
        self.bold = False
        self.underline = False
        self.width = 1
        self.height = 1
        self.align: Align = "left"
        self.barcode_height = 162
        self.barcode_width = 3
        self.hri = 0
        self.qr_data = b""
        self.qr_size = 3
        self.qr_level = "L"

    def note(self, message: str) -> None:
        if len(self.r.notes) < MAX_NOTES:
            self.r.notes.append(message)

    def emit(self, element: Element) -> None:
        if len(self.r.elements) >= MAX_ELEMENTS:
            if len(self.r.elements) == MAX_ELEMENTS:
                self.note("too many elements; the rest is not drawn")
            return
        self.r.elements.append(element)
        if isinstance(element, TextLine):
            self.r.lines.append(element.text)

    def add_text(self, text: str) -> None:
        if not self.pending:
            self.line_align = self.align
        self.pending.append(Segment(text, self.bold, self.underline, self.width, self.height))

    def flush_line(self, *, force: bool = True) -> None:
        """Print the line buffer; an empty buffer prints a blank line only when `force`."""
        if self.pending or force:
            segments = tuple(self.pending) or (Segment("", self.bold, False, self.width, self.height),)
            self.emit(TextLine(segments, self.line_align if self.pending else self.align))
        self.pending = []

    def apply(self, cmd: Command) -> None:
        handler = getattr(self, "_do_" + cmd.name.lower(), None)
        if handler is not None:
            handler(cmd.params)
        elif cmd.name.startswith(("UNKNOWN", "CONTROL")):
            self.note(f"@{cmd.offset} skipped {cmd.name} {cmd.raw[:4].hex(' ')}")
        # everything else is recognised but does not change what is printed

    # --- text and layout -------------------------------------------------------------
    def _do_text(self, p: bytes) -> None:
        self.add_text(p.decode(self.codec, errors="replace"))

    def _do_lf(self, p: bytes) -> None:
        self.flush_line()

    def _do_ff(self, p: bytes) -> None:
        self.flush_line()

    def _do_ht(self, p: bytes) -> None:
        column = sum(len(s.text) for s in self.pending)
        self.add_text(" " * (8 - column % 8))

    def _do_feed_lines(self, p: bytes) -> None:
        n = p[0]
        if self.pending:
            self.flush_line()
            n -= 1
        for _ in range(max(0, min(n, 255))):
            self.flush_line()

    def _do_feed_dots(self, p: bytes) -> None:
        self.flush_line(force=False)

    def _do_init(self, p: bytes) -> None:
        self.flush_line(force=False)
        self.reset()

    def _do_code_page(self, p: bytes) -> None:
        if p[0] in CODE_PAGES:
            self.codec = CODE_PAGES[p[0]]
        else:
            self.note(f"code page {p[0]} unknown; keeping {self.codec}")

    def _do_bold(self, p: bytes) -> None:
        self.bold = bool(p[0] & 1)

    def _do_double_strike(self, p: bytes) -> None:
        self.bold = bool(p[0] & 1)

    def _do_underline(self, p: bytes) -> None:
        self.underline = p[0] in (1, 2, 49, 50)

    def _do_align(self, p: bytes) -> None:
        aligns: dict[int, Align] = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
        self.align = aligns.get(p[0], self.align)

    def _do_print_mode(self, p: bytes) -> None:
        n = p[0]
        self.bold = bool(n & 0x08)
        self.height = 2 if n & 0x10 else 1
        self.width = 2 if n & 0x20 else 1
        self.underline = bool(n & 0x80)

    def _do_char_size(self, p: bytes) -> None:
        self.width = min(8, (p[0] >> 4) + 1)
        self.height = min(8, (p[0] & 0x0F) + 1)

    # --- cuts, barcodes, QR, images ------------------------------------------------------
    def _do_cut(self, p: bytes) -> None:
        self.flush_line(force=False)
        m = p[0]
        function_b = m in (65, 66)
        # Partial: 1/49 (function A), 66 (B), 98 (C), 104 (D); 0/48/65/97/103 cut fully.
        self.emit(
            Cut(
                partial=m in (1, 49, 66, 98, 104),
                feed=p[1] if function_b and len(p) > 1 else 0,
                feeds_to_cutter=function_b,
            )
        )

    def _do_cut_partial_legacy(self, p: bytes) -> None:
        self.flush_line(force=False)
        self.emit(Cut(partial=True))

    def _do_barcode_height(self, p: bytes) -> None:
        self.barcode_height = max(1, p[0])

    def _do_barcode_width(self, p: bytes) -> None:
        self.barcode_width = max(1, min(6, p[0]))

    def _do_hri_position(self, p: bytes) -> None:
        self.hri = p[0] & 0x03

    def _do_barcode(self, p: bytes) -> None:
        m = p[0]
        payload = p[1:] if m <= 6 else p[2:]
        symbology = BARCODE_TYPES.get(m, f"TYPE{m}")
        data = _code128_text(payload) if symbology == "CODE128" else payload.decode("ascii", errors="replace")
        self.flush_line(force=False)
        self.emit(Barcode(symbology, data, self.barcode_height, self.barcode_width, self.hri, self.align))

    def _do_symbol(self, p: bytes) -> None:
        cn, fn = p[0], p[1]
        if cn != 49:
            self.note(f"2D symbol cn={cn} fn={fn} not drawn (only QR codes are)")
            return
        if fn == 67:
            self.qr_size = max(1, min(16, p[2]))
        elif fn == 69:
            self.qr_level = QR_ERROR_LEVELS.get(p[2], self.qr_level)
        elif fn == 80:
            self.qr_data = p[3 : 3 + MAX_QR_BYTES]
        elif fn == 81:
            self.flush_line(force=False)
            if not self.qr_data:
                self.note("QR print without stored data")
                return
            text = self.qr_data.decode("utf-8", errors="replace")
            self.emit(QrCode(text, self.qr_size, self.qr_level, self.align))

    def _do_raster_image(self, p: bytes) -> None:
        m = p[0]
        width_bytes, height = p[1] + 256 * p[2], p[3] + 256 * p[4]
        self.flush_line(force=False)
        if width_bytes == 0 or height == 0:
            return
        scale_x, scale_y = (2 if m & 1 else 1), (2 if m & 2 else 1)
        self.emit(RasterImage(width_bytes * 8, height, p[5:], scale_x, scale_y, self.align))

    def _do_bit_image(self, p: bytes) -> None:
        """ESC * column image: each column is 1 or 3 bytes from the top; turned into raster rows."""
        m, n = p[0], p[1] + 256 * p[2]
        dots = 24 if m in (32, 33) else 8
        per_col = dots // 8
        data = p[3:]
        if n == 0:
            return
        row_bytes = (n + 7) // 8
        rows = bytearray(row_bytes * dots)
        for x in range(n):
            for k in range(per_col):
                byte = data[x * per_col + k]
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        y = k * 8 + bit
                        rows[y * row_bytes + x // 8] |= 0x80 >> (x % 8)
        double = 1 if m in (1, 33) else 2  # single-density modes print at half the horizontal density
        self.flush_line(force=False)
        self.emit(RasterImage(row_bytes * 8, dots, bytes(rows), double, 1, self.align))

    def _do_graphics(self, p: bytes) -> None:
        self.note("GS ( L graphics not drawn")

    def _do_graphics_large(self, p: bytes) -> None:
        self.note("GS 8 L graphics not drawn")


def _code128_text(payload: bytes) -> str:
    """Human-readable text of GS k CODE128 data: `{A`/`{B`/`{C` select a code set, `{{` is a brace."""
    out: list[str] = []
    code_set = "B"
    i = 0
    while i < len(payload):
        b = payload[i]
        if b == ord("{") and i + 1 < len(payload):
            sel = chr(payload[i + 1])
            if sel in "ABC":
                code_set = sel
            elif sel == "{":
                out.append("{")
            i += 2
            continue
        out.append(f"{b:02d}" if code_set == "C" else chr(b) if 32 <= b < 127 else "")
        i += 1
    return "".join(out)
