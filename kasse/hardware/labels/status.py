"""TSPL real-time status: `ESC ! ?` answers one byte of flags (TSC programming manual).

Bits: 0x01 head open, 0x02 paper jam, 0x04 out of paper, 0x08 out of ribbon, 0x10 paused,
0x20 printing, 0x80 other error. 0x00 is ready. ZPL printers answer `~HS` with three long
strings instead; kasse does not query them.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUS_QUERY = b"\x1b!?"


@dataclass(frozen=True)
class LabelStatus:
    known: bool
    head_open: bool = False
    paper_out: bool = False
    error: bool = False
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.known and not (self.head_open or self.paper_out or self.error)


def parse_label_status(reply: bytes) -> LabelStatus:
    """Never raises; no reply is "unknown"."""
    if not reply:
        return LabelStatus(known=False, detail="no reply to ESC ! ?")
    value = reply[-1]
    return LabelStatus(
        known=True,
        head_open=bool(value & 0x01),
        paper_out=bool(value & 0x04),
        error=bool(value & (0x02 | 0x08 | 0x80)),
        detail="" if value in (0x00, 0x20) else f"status byte 0x{value:02x}",
    )
