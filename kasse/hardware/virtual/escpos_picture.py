"""Draw a decoded receipt (`escpos_decoder.Receipt`) as a black-on-white picture at paper width."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from kasse.hardware.virtual._barcodes import font, modules
from kasse.hardware.virtual.escpos_decoder import Barcode, Cut, QrCode, RasterImage, TextLine

if TYPE_CHECKING:
    from kasse.hardware.virtual.escpos_decoder import Align, Element, Receipt

LINE_HEIGHT = 24  # font A is 12x24 dots
FONT_SIZE = 20  # DejaVu Sans Mono at 20 px advances ~12 px per character
MAX_HEIGHT = 30_000
WHITE, BLACK = 255, 0


def _place(width: int, paper: int, align: Align) -> int:
    if align == "center":
        return max(0, (paper - width) // 2)
    if align == "right":
        return max(0, paper - width)
    return 0


def _text_line(line: TextLine, paper: int) -> Image.Image:
    height = LINE_HEIGHT * max(s.height for s in line.segments)
    parts: list[Image.Image] = []
    for seg in line.segments:
        if not seg.text:
            continue
        f = font(FONT_SIZE * seg.height, bold=seg.bold)
        w = max(1, int(f.getlength(seg.text)))
        img = Image.new("L", (w, LINE_HEIGHT * seg.height), WHITE)
        draw = ImageDraw.Draw(img)
        draw.text((0, 0), seg.text, fill=BLACK, font=f)
        if seg.underline:
            draw.line([(0, img.height - 2), (w, img.height - 2)], fill=BLACK, width=1)
        if seg.width != seg.height:
            img = img.resize((max(1, w * seg.width // seg.height), img.height))
        parts.append(img)
    total = sum(p.width for p in parts)
    out = Image.new("L", (paper, height), WHITE)
    x = _place(total, paper, line.align)
    for p in parts:
        out.paste(p, (x, height - p.height))
        x += p.width
    return out


def _barcode(bc: Barcode, paper: int) -> Image.Image:
    pattern = modules(bc.symbology, bc.data)
    module = bc.module_width
    while module > 1 and len(pattern) * module > paper:
        module -= 1
    bar_height = min(bc.height, 400)
    text_h = LINE_HEIGHT if bc.hri else 0
    above = text_h if bc.hri in (1, 3) else 0
    below = text_h if bc.hri in (2, 3) else 0
    img = Image.new("L", (paper, above + bar_height + below + 8), WHITE)
    draw = ImageDraw.Draw(img)
    width = len(pattern) * module
    x0 = _place(width, paper, bc.align)
    for i, bit in enumerate(pattern):
        if bit == "1":
            draw.rectangle([x0 + i * module, above, x0 + (i + 1) * module - 1, above + bar_height - 1], fill=BLACK)
    f = font(FONT_SIZE)
    tw = int(f.getlength(bc.data))
    tx = x0 + (width - tw) // 2 if width >= tw else _place(tw, paper, bc.align)
    if above:
        draw.text((tx, 0), bc.data, fill=BLACK, font=f)
    if below:
        draw.text((tx, above + bar_height + 2), bc.data, fill=BLACK, font=f)
    return img


def _qr(qr: QrCode, paper: int) -> Image.Image:
    import segno

    symbol = segno.make_qr(qr.data, error=qr.error_level.lower())
    scale = qr.module_size
    size = int(symbol.symbol_size(scale=scale, border=0)[0])
    while scale > 1 and size > paper:
        scale -= 1
        size = int(symbol.symbol_size(scale=scale, border=0)[0])
    img = Image.new("L", (paper, size + 8), WHITE)
    x0 = _place(size, paper, qr.align)
    for y, row in enumerate(symbol.matrix):
        for x, dark in enumerate(row):
            if dark:
                img.paste(BLACK, (x0 + x * scale, 4 + y * scale, x0 + (x + 1) * scale, 4 + (y + 1) * scale))
    return img


def _raster(ri: RasterImage, paper: int) -> Image.Image:
    inverted = bytes(b ^ 0xFF for b in ri.bits)  # PIL mode "1": a set bit is white
    img = Image.frombytes("1", (ri.width, ri.height), inverted).convert("L")
    if ri.scale_x != 1 or ri.scale_y != 1:
        img = img.resize((ri.width * ri.scale_x, ri.height * ri.scale_y), Image.Resampling.NEAREST)
    if img.width > paper:
        img = img.crop((0, 0, paper, img.height))
    out = Image.new("L", (paper, img.height), WHITE)
    out.paste(img, (_place(img.width, paper, ri.align), 0))
    return out


def _cut(cut: Cut, paper: int) -> Image.Image:
    """The dashed cut line, below the blank margin a feed-and-cut leaves after the last line."""
    margin = cut.feed if cut.feeds_to_cutter else 0
    img = Image.new("L", (paper, 16 + margin), WHITE)
    draw = ImageDraw.Draw(img)
    for x in range(0, paper, 12):
        draw.line([(x, 8 + margin), (x + 6, 8 + margin)], fill=BLACK, width=2)
    return img


def _element(e: Element, paper: int) -> Image.Image:
    if isinstance(e, TextLine):
        return _text_line(e, paper)
    if isinstance(e, Barcode):
        return _barcode(e, paper)
    if isinstance(e, QrCode):
        return _qr(e, paper)
    if isinstance(e, RasterImage):
        return _raster(e, paper)
    assert isinstance(e, Cut)
    return _cut(e, paper)


def render_picture(receipt: Receipt) -> Image.Image:
    """The receipt as a grayscale ("L") image, `receipt.paper_width_px` wide, at most 30000 px tall."""
    paper = receipt.paper_width_px
    parts: list[Image.Image] = []
    height = 8
    for e in receipt.elements:
        try:
            part = _element(e, paper)
        except Exception as exc:  # draw what we can
            receipt.notes.append(f"could not draw {type(e).__name__}: {exc!r}")
            continue
        if height + part.height > MAX_HEIGHT:
            receipt.notes.append("picture cut off at 30000 px")
            break
        parts.append(part)
        height += part.height
    out = Image.new("L", (paper, height + 8), WHITE)
    y = 8
    for part in parts:
        out.paste(part, (0, y))
        y += part.height
    return out
