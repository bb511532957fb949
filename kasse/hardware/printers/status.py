"""Real-time status (`DLE EOT n`): the four queries and a parser for the printer's one-byte replies.

Each reply byte has the fixed form 0xx1xx10 (bits 0 and 7 clear, bits 1 and 4 set); a byte
that does not is garbage. Bit meanings (Epson ESC/POS, shared by compatible printers):

- n=1 printer:  bit 2 drawer connector pin 3 high, bit 3 offline
- n=2 offline:  bit 2 cover open, bit 3 paper fed by button, bit 5 stopped at paper end, bit 6 error
- n=3 error:    bit 3 autocutter error, bit 5 unrecoverable error, bit 6 auto-recoverable error
- n=4 paper:    bits 2+3 roll near end, bits 5+6 roll end (no paper)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

DLE_EOT = b"\x10\x04"


class StatusKind(enum.IntEnum):
    PRINTER = 1
    OFFLINE = 2
    ERROR = 3
    PAPER = 4


def status_query(kind: StatusKind) -> bytes:
    return DLE_EOT + bytes([int(kind)])


ALL_QUERIES: tuple[bytes, ...] = tuple(status_query(k) for k in StatusKind)


def is_status_byte(value: int) -> bool:
    """The fixed bits of every DLE EOT reply: 0xx1xx10."""
    return value & 0b1001_0011 == 0b0001_0010


class Health(enum.Enum):
    OK = "ok"  # online, paper, no error
    WARNING = "warning"  # printing works but something needs attention (paper near end)
    FAULT = "fault"  # cannot print: offline, cover open, paper out, error
    UNKNOWN = "unknown"  # no reply or garbage


@dataclass(frozen=True)
class PrinterStatus:
    """What the register shows. Fields are None when that query got no usable answer."""

    online: bool | None = None
    cover_open: bool | None = None
    paper_near_end: bool | None = None
    paper_out: bool | None = None
    error: bool | None = None
    drawer_open: bool | None = None
    detail: str = ""

    @property
    def known(self) -> bool:
        return self.online is not None

    @property
    def health(self) -> Health:
        if not self.known:
            return Health.UNKNOWN
        if not self.online or self.cover_open or self.paper_out or self.error:
            return Health.FAULT
        if self.paper_near_end:
            return Health.WARNING
        return Health.OK

    @classmethod
    def unknown(cls, detail: str = "no reply") -> PrinterStatus:
        return cls(detail=detail)


def _bit(value: int, bit: int) -> bool:
    return bool(value >> bit & 1)


def parse_status(replies: Mapping[StatusKind, bytes | None], *, drawer_open_signal_high: bool = True) -> PrinterStatus:
    """Combine the replies to the four queries; missing or malformed replies leave their fields unknown.

    Without a valid answer to the printer-status query (n=1) the whole status is unknown.
    Never raises.
    """
    values: dict[StatusKind, int] = {}
    problems: list[str] = []
    for kind in StatusKind:
        reply = replies.get(kind)
        if not reply:
            problems.append(f"no reply to DLE EOT {int(kind)}")
            continue
        byte = reply[-1]  # a late reply to an earlier query may precede; the newest byte answers this one
        if not is_status_byte(byte):
            problems.append(f"garbage reply to DLE EOT {int(kind)}: {reply[:8].hex(' ')}")
            continue
        values[kind] = byte
    printer = values.get(StatusKind.PRINTER)
    if printer is None:
        return PrinterStatus.unknown("; ".join(problems) or "no reply")
    offline = values.get(StatusKind.OFFLINE)
    error = values.get(StatusKind.ERROR)
    paper = values.get(StatusKind.PAPER)

    error_flag: bool | None = None
    if error is not None:
        error_flag = _bit(error, 3) or _bit(error, 5) or _bit(error, 6)
    if offline is not None and _bit(offline, 6):
        error_flag = True

    paper_out: bool | None = None
    near_end: bool | None = None
    if paper is not None:
        paper_out = bool(paper & 0b0110_0000)
        near_end = bool(paper & 0b0000_1100)
    if offline is not None and _bit(offline, 5):
        paper_out = True

    pin3_high = _bit(printer, 2)
    return PrinterStatus(
        online=not _bit(printer, 3),
        cover_open=_bit(offline, 2) if offline is not None else None,
        paper_near_end=near_end,
        paper_out=paper_out,
        error=error_flag,
        drawer_open=pin3_high if drawer_open_signal_high else not pin3_high,
        detail="; ".join(problems),
    )
