"""Parse TSPL or ZPL label jobs back into fields and draw a PNG preview per label.

Only the commands kasse's renderers use (and a few harmless ones) are understood; anything else
is listed in `notes`. Never raises on bad input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from kasse.hardware.virtual._barcodes import font, modules

TSPL_FONT_HEIGHTS = {"1": 12, "2": 20, "3": 24, "4": 32, "5": 48, "6": 19, "7": 27, "8": 25}
MAX_LABEL_DOTS = 4000
MAX_LABELS = 100


@dataclass(frozen=True)
class ParsedText:
    x: int
    y: int
    height: int
    text: str


@dataclass(frozen=True)
class ParsedBarcode:
    x: int
    y: int
    symbology: str
    data: str
    height: int
    module: int


@dataclass
class ParsedLabel:
    language: str  # "TSPL" or "ZPL"
    width_dots: int = 400
    height_dots: int = 240
    copies: int = 1
    texts: list[ParsedText] = field(default_factory=list)
    barcodes: list[ParsedBarcode] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def text_values(self) -> list[str]:
        return [t.text for t in self.texts]

    def picture(self) -> Image.Image:
        w = max(8, min(self.width_dots, MAX_LABEL_DOTS))
        h = max(8, min(self.height_dots, MAX_LABEL_DOTS))
        img = Image.new("L", (w, h), 255)
        draw = ImageDraw.Draw(img)
        for t in self.texts:
            draw.text((t.x, t.y), t.text, fill=0, font=font(max(6, t.height), mono=False))
        for b in self.barcodes:
            pattern = modules(b.symbology, b.data)
            for i, bit in enumerate(pattern):
                if bit == "1":
                    x = b.x + i * b.module
                    draw.rectangle([x, b.y, x + b.module - 1, b.y + b.height - 1], fill=0)
            draw.text((b.x, b.y + b.height + 2), b.data, fill=0, font=font(16))
        draw.rectangle([0, 0, w - 1, h - 1], outline=160)
        return img


def ean13_full(code: str) -> str:
    """12 digits -> 13 with the check digit; anything else unchanged."""
    if len(code) == 12 and code.isdigit():
        total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code))
        return code + str((10 - total % 10) % 10)
    return code


def _int(value: str, default: int = 0) -> int:
    try:
        return int(float(value.strip()))
    except ValueError:
        return default


# --- TSPL ----------------------------------------------------------------------------------------
def _tspl_args(rest: str) -> list[str]:
    """Comma-separated arguments; quoted strings keep commas, `\\["]` is a quote inside a string."""
    args: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(rest):
        if quoted and rest.startswith('\\["]', i):
            current.append('"')
            i += 4
            continue
        c = rest[i]
        if c == '"':
            quoted = not quoted
        elif c == "," and not quoted:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(c)
        i += 1
    args.append("".join(current).strip())
    return args


def _mm_to_dots(value: str, dots_per_mm: int = 8) -> int:
    value = value.strip().lower()
    if value.endswith("mm"):
        return round(float(value[:-2]) * dots_per_mm)
    if value.endswith("dot"):
        return _int(value[:-3])
    return round(float(value or 0) * 25.4 * dots_per_mm)  # inches


def parse_tspl(data: bytes) -> list[ParsedLabel]:
    encoding = "cp1252"
    if re.search(rb"CODEPAGE\s+UTF-8", data, re.IGNORECASE):
        encoding = "utf-8"
    labels: list[ParsedLabel] = []
    label = ParsedLabel("TSPL")
    for raw_line in data.decode(encoding, errors="replace").splitlines():
        line = raw_line.strip()
        if not line:
            continue
        command, _, rest = line.partition(" ")
        command = command.upper()
        args = _tspl_args(rest)
        try:
            if command == "SIZE":
                label.width_dots, label.height_dots = _mm_to_dots(args[0]), _mm_to_dots(args[1])
            elif command == "CLS":
                label.texts, label.barcodes = [], []
            elif command == "TEXT":
                height = TSPL_FONT_HEIGHTS.get(args[2], 24) * _int(args[5], 1)
                label.texts.append(ParsedText(_int(args[0]), _int(args[1]), height, args[6]))
            elif command == "BARCODE":
                symbology = args[2].upper()
                code = ean13_full(args[8]) if symbology == "EAN13" else args[8]
                label.barcodes.append(
                    ParsedBarcode(_int(args[0]), _int(args[1]), symbology, code, _int(args[3]), _int(args[6], 2))
                )
            elif command == "PRINT":
                label.copies = _int(args[0], 1) * (_int(args[1], 1) if len(args) > 1 else 1)
                labels.append(label)
                label = ParsedLabel("TSPL", label.width_dots, label.height_dots)
            elif command not in ("GAP", "DIRECTION", "CODEPAGE", "REFERENCE", "DENSITY", "SPEED", "OFFSET", "SET"):
                label.notes.append(f"ignored: {line[:60]}")
        except (IndexError, ValueError):
            label.notes.append(f"malformed: {line[:60]}")
        if len(labels) >= MAX_LABELS:
            break
    if label.texts or label.barcodes:
        label.notes.append("no PRINT at the end")
        labels.append(label)
    return labels


# --- ZPL -----------------------------------------------------------------------------------------
def _unhex(text: str) -> str:
    """Undo ^FH escapes: `_XX` is the byte XX (sequences of them form UTF-8)."""
    raw = text.encode("utf-8")
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i : i + 1] == b"_" and re.fullmatch(rb"[0-9A-Fa-f]{2}", raw[i + 1 : i + 3]):
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode("utf-8", errors="replace")


def parse_zpl(data: bytes) -> list[ParsedLabel]:
    text = data.decode("utf-8", errors="replace")
    labels: list[ParsedLabel] = []
    label: ParsedLabel | None = None
    x = y = 0
    font_height, module, hex_next = 30, 2, False
    pending_barcode: tuple[str, int] | None = None
    for piece in text.split("^")[1:]:
        piece = piece.rstrip("\r\n")
        cmd, params = piece[:2].upper(), piece[2:]
        if cmd == "XA":
            label = ParsedLabel("ZPL", 812, 1218)
            continue
        if label is None:
            continue
        args = params.split(",")
        try:
            if cmd == "XZ":
                labels.append(label)
                label = None
                if len(labels) >= MAX_LABELS:
                    break
            elif cmd == "PW":
                label.width_dots = _int(params, label.width_dots)
            elif cmd == "LL":
                label.height_dots = _int(params, label.height_dots)
            elif cmd == "FO":
                x, y = _int(args[0]), _int(args[1])
            elif cmd[0] == "A" and cmd != "A@":
                font_height = _int(args[1] if len(args) > 1 else "", font_height)
            elif cmd == "BY":
                module = _int(args[0], module)
            elif cmd in ("BE", "BC"):
                pending_barcode = ({"BE": "EAN13", "BC": "CODE128"}[cmd], _int(args[1], 50) if len(args) > 1 else 50)
            elif cmd == "FH":
                hex_next = True
            elif cmd == "FD":
                value = _unhex(params) if hex_next else params
                if pending_barcode is not None:
                    symbology, height = pending_barcode
                    code = ean13_full(value) if symbology == "EAN13" else value
                    label.barcodes.append(ParsedBarcode(x, y, symbology, code, height, module))
                else:
                    label.texts.append(ParsedText(x, y, font_height, value))
            elif cmd == "FS":
                pending_barcode, hex_next = None, False
            elif cmd == "PQ":
                label.copies = _int(args[0], 1)
            elif cmd not in ("CI", "LH", "FW", "CF", "MM", "PR", "MD"):
                label.notes.append(f"ignored: ^{piece[:40]}")
        except (IndexError, ValueError):
            if label is not None:
                label.notes.append(f"malformed: ^{piece[:40]}")
    if label is not None and (label.texts or label.barcodes):
        label.notes.append("no ^XZ at the end")
        labels.append(label)
    return labels


def parse_label_job(data: bytes) -> list[ParsedLabel]:
    """TSPL or ZPL, told apart by `^XA`."""
    try:
        return parse_zpl(data) if b"^XA" in data.upper() else parse_tspl(data)
    except Exception as exc:  # never let a broken job take the printer down
        broken = ParsedLabel("unknown")
        broken.notes.append(f"could not parse: {exc!r}")
        return [broken]
