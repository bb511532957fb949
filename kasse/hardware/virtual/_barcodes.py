"""Bar/space module patterns for drawing barcodes in previews (python-barcode does the encoding)."""

from __future__ import annotations

import hashlib

from PIL import ImageFont
from PIL.ImageFont import FreeTypeFont
from PIL.ImageFont import ImageFont as BitmapFont

_FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
_font_cache: dict[tuple[int, bool, bool], FreeTypeFont | BitmapFont] = {}


def font(size: int, *, bold: bool = False, mono: bool = True) -> FreeTypeFont | BitmapFont:
    """DejaVu (mono or sans) when installed, else Pillow's built-in font; both draw ä ö ü ß €."""
    key = (size, bold, mono)
    if key not in _font_cache:
        path = _FONT_FILES[1 if bold else 0] if mono else _FONT_FILES[2]
        try:
            _font_cache[key] = ImageFont.truetype(path, size)
        except OSError:
            _font_cache[key] = ImageFont.load_default(size=size)
    return _font_cache[key]


def modules(symbology: str, data: str) -> str:
    """'1'/'0' modules for the barcode; an arbitrary but stable pattern when it cannot be encoded."""
    import barcode  # python-barcode (pyproject.toml)

    name = {"CODE128": "code128", "EAN13": "ean13", "EAN8": "ean8", "CODE39": "code39", "UPC-A": "upca"}.get(symbology)
    if name is not None and data:
        try:
            if name in ("ean13", "ean8", "upca"):
                data = data[:-1] if len(data) in (13, 8) and name != "upca" else data
                cls = barcode.get_barcode_class(name)
                return str(cls(data).build()[0])
            cls = barcode.get_barcode_class(name)
            kwargs = {"add_checksum": False} if name == "code39" else {}
            return str(cls(data, **kwargs).build()[0])
        except Exception:  # noqa: S110 - fall through to the stand-in pattern
            pass
    digest = hashlib.sha256(data.encode()).digest()
    return "101" + "".join(f"{b:08b}" for b in digest[:12]) + "101"
