"""The receipt printer interface and a small typed document model of what a receipt contains.

kasse's sales layer builds a `ReceiptDocument` from blocks (text, separators, two-column rows,
barcode, QR code, logo, feed, cut) without knowing ESC/POS; a `ReceiptPrinter` prints it.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

    from kasse.hardware.printers.status import PrinterStatus


class Align(enum.Enum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


class DrawerPin(enum.IntEnum):
    """Drawer kick-out connector pin; most drawers hang on pin 2, a second drawer on pin 5."""

    PIN_2 = 2
    PIN_5 = 5


@dataclass(frozen=True)
class TextLine:
    """One paragraph of text; longer than the paper width it wraps at word boundaries."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    double_width: bool = False
    double_height: bool = False


@dataclass(frozen=True)
class Separator:
    """A full-width rule made of one repeated character."""

    char: str = "-"

    def __post_init__(self) -> None:
        if len(self.char) != 1:
            raise ValueError("a separator is made of exactly one character")


@dataclass(frozen=True)
class Columns:
    """A row "left … right" fitted to the paper width (item name and price, label and total)."""

    left: str
    right: str
    bold: bool = False
    double_height: bool = False  # same characters per line, twice as tall (a receipt's total)


@dataclass(frozen=True)
class Table:
    """Rows under a heading: the first column left, every other column right-aligned under its heading.

    Laid out for the paper width when printed, so the amounts line up with their headings on 32, 42 and
    48 columns alike (a VAT breakdown: rate, net, VAT, gross).
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        if len(self.header) < 2:
            raise ValueError("a table has at least two columns")
        if any(len(row) != len(self.header) for row in self.rows):
            raise ValueError("every row has as many cells as the header")


CODE128_MAX_LENGTH = 80


@dataclass(frozen=True)
class Barcode:
    """A CODE128 barcode (code set B) printed by the printer itself, text below, e.g. a receipt number."""

    data: str
    height: int = 80  # dots
    module_width: int = 2  # 2..6

    def __post_init__(self) -> None:
        if not self.data:
            raise ValueError("a barcode needs data")
        if len(self.data) > CODE128_MAX_LENGTH:
            raise ValueError(f"barcode data longer than {CODE128_MAX_LENGTH} characters")
        if any(not 32 <= ord(c) <= 126 for c in self.data):
            raise ValueError("CODE128 code set B takes printable ASCII only")
        if not 1 <= self.height <= 255:
            raise ValueError("barcode height must be 1..255 dots")
        if not 2 <= self.module_width <= 6:
            raise ValueError("barcode module width must be 2..6")


class QRErrorLevel(enum.Enum):
    L = "L"
    M = "M"
    Q = "Q"
    H = "H"


QR_MAX_BYTES = 7089 - 3


@dataclass(frozen=True)
class QRCode:
    """A QR code (model 2) drawn by the printer (`GS ( k`)."""

    data: str
    size: int = 6  # module size in dots, 1..16
    error_level: QRErrorLevel = QRErrorLevel.M
    align: Align = Align.CENTER

    def __post_init__(self) -> None:
        if not self.data:
            raise ValueError("a QR code needs data")
        if not 1 <= self.size <= 16:
            raise ValueError("QR module size must be 1..16")
        if len(self.data.encode("utf-8")) > QR_MAX_BYTES:
            raise ValueError("QR data too long")


@dataclass(frozen=True)
class Logo:
    """A picture (shop logo) printed as a raster image, scaled down to the paper width if needed."""

    image: Image
    align: Align = Align.CENTER


@dataclass(frozen=True)
class Feed:
    lines: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.lines <= 255:
            raise ValueError("feed 0..255 lines")


@dataclass(frozen=True)
class Cut:
    """The end of a receipt: feed the last line past the cutter and cut (or, without a cutter, feed to the
    tear bar). How far to feed is the printer profile's (``cut_margin_mm``, ``tear_feed_lines``)."""

    partial: bool = False


Block = TextLine | Separator | Columns | Table | Barcode | QRCode | Logo | Feed | Cut


@dataclass
class ReceiptDocument:
    """An ordered list of blocks; the builder methods return the document so calls can chain."""

    blocks: list[Block] = field(default_factory=list)

    def add(self, block: Block) -> ReceiptDocument:
        self.blocks.append(block)
        return self

    def text(
        self,
        text: str,
        *,
        align: Align = Align.LEFT,
        bold: bool = False,
        double_width: bool = False,
        double_height: bool = False,
    ) -> ReceiptDocument:
        return self.add(TextLine(text, align, bold, double_width, double_height))

    def separator(self, char: str = "-") -> ReceiptDocument:
        return self.add(Separator(char))

    def columns(self, left: str, right: str, *, bold: bool = False, double_height: bool = False) -> ReceiptDocument:
        return self.add(Columns(left, right, bold, double_height))

    def table(self, header: Sequence[str], rows: Iterable[Sequence[str]]) -> ReceiptDocument:
        return self.add(Table(tuple(header), tuple(tuple(row) for row in rows)))

    def barcode(self, data: str, *, height: int = 80, module_width: int = 2) -> ReceiptDocument:
        return self.add(Barcode(data, height, module_width))

    def qr(
        self, data: str, *, size: int = 6, error_level: QRErrorLevel = QRErrorLevel.M, align: Align = Align.CENTER
    ) -> ReceiptDocument:
        return self.add(QRCode(data, size, error_level, align))

    def logo(self, image: Image, *, align: Align = Align.CENTER) -> ReceiptDocument:
        return self.add(Logo(image, align))

    def feed(self, lines: int = 1) -> ReceiptDocument:
        return self.add(Feed(lines))

    def cut(self, *, partial: bool = False) -> ReceiptDocument:
        return self.add(Cut(partial))


class ReceiptPrinter(abc.ABC):
    """A receipt printer: print a document, cut, kick the cash drawer, ask for status."""

    @abc.abstractmethod
    def print_document(self, document: ReceiptDocument) -> None:
        """Print the whole document as one job; raises `TransportError` if the bytes cannot be delivered."""

    @abc.abstractmethod
    def cut(self, *, partial: bool = False) -> None: ...

    @abc.abstractmethod
    def open_drawer(self, pin: DrawerPin = DrawerPin.PIN_2) -> None: ...

    @abc.abstractmethod
    def status(self) -> PrinterStatus:
        """Ask the printer; never raises: no or garbage reply gives an "unknown" status."""
