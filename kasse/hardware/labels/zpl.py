"""LabelDocument -> ZPL II (Zebra): one ^XA..^XZ block, UTF-8 text via ^CI28.

Field data is hex-escaped with ^FH when it contains ^ or ~ (the command prefixes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kasse.hardware.labels.document import LabelDocument


def _field_data(text: str) -> str:
    if not any(c in text for c in "^~"):
        return "^FD" + text + "^FS"
    escaped = "".join(f"_{ord(c):02X}" if c in "^~_" else c for c in text)
    return "^FH^FD" + escaped + "^FS"


def render_zpl(doc: LabelDocument) -> bytes:
    parts = ["^XA", "^CI28", f"^PW{doc.dots(doc.width_mm)}", f"^LL{doc.dots(doc.height_mm)}"]
    for t in doc.texts:
        h = doc.dots(t.height_mm)
        parts.append(f"^FO{doc.dots(t.x_mm)},{doc.dots(t.y_mm)}^A0N,{h},{h}{_field_data(t.text)}")
    if doc.barcode is not None:
        b = doc.barcode
        h = doc.dots(b.height_mm)
        parts.append(f"^FO{doc.dots(b.x_mm)},{doc.dots(b.y_mm)}^BY{b.module_dots}^BEN,{h},Y,N^FD{b.code[:12]}^FS")
    parts.append(f"^PQ{doc.copies}")
    parts.append("^XZ")
    return "\n".join(parts).encode("utf-8") + b"\n"
