"""Label printer status: TSPL `ESC ! ?` (one byte) and ZPL `~HS` (three framed strings).

TSPL (TSC programming manual): `ESC ! ?` answers one byte of flags: 0x01 head open, 0x02 paper jam,
0x04 out of paper, 0x08 out of ribbon, 0x10 paused, 0x20 printing, 0x80 other error; 0x00 is ready.

ZPL II (Zebra programming guide, `~HS` host status return): three strings, each `<STX>…<ETX><CR><LF>`:

    1: aaa,b,c,dddd,eee,f,g,h,iii,j,k,l   b paper out, c paused, f receive buffer full, j configuration lost
                                          (corrupt RAM), k under temperature, l over temperature
    2: mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www   o head up (open), p ribbon out
    3: xxxx,y                             password, static RAM installed

Newer Zebra firmware sends nothing at all while media or ribbon is out or the head is open, so silence is
"unknown", never "ready". Garbage or a short answer is "unknown" too; the parsers never raise.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kasse.hardware.transports.base import Transport

STATUS_QUERY = b"\x1b!?"
ZPL_STATUS_QUERY = b"~HS"

_FRAME = re.compile(rb"\x02([^\x02\x03]*)\x03")
_MAX_REPLY = 1024  # a real answer is about 80 bytes; more is not a status reply


@dataclass(frozen=True)
class LabelStatus:
    known: bool
    head_open: bool = False
    paper_out: bool = False
    paused: bool = False
    ribbon_out: bool = False
    error: bool = False
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.known and not (self.head_open or self.paper_out or self.paused or self.ribbon_out or self.error)


def parse_label_status(reply: bytes) -> LabelStatus:
    """The TSPL status byte. Never raises; no reply is "unknown"."""
    if not reply:
        return LabelStatus(known=False, detail="no reply to ESC ! ?")
    value = reply[-1]
    return LabelStatus(
        known=True,
        head_open=bool(value & 0x01),
        paper_out=bool(value & 0x04),
        paused=bool(value & 0x10),
        ribbon_out=bool(value & 0x08),
        error=bool(value & (0x02 | 0x08 | 0x80)),
        detail="" if value in (0x00, 0x20) else f"status byte 0x{value:02x}",
    )


def _flag(fields: list[bytes], index: int) -> bool | None:
    """A 0/1 flag of a ``~HS`` string; None when it is missing or not 0/1."""
    if index >= len(fields):
        return None
    value = fields[index].strip()
    return {b"0": False, b"1": True}.get(value)


def parse_zpl_host_status(reply: bytes) -> LabelStatus:
    """The answer to ZPL ``~HS``. Never raises; silence, garbage or a short answer is "unknown"."""
    if not reply:
        return LabelStatus(
            known=False,
            detail="no reply to ~HS (Zebra printers stay silent while out of media or ribbon or with the head open)",
        )
    frames = _FRAME.findall(reply[:_MAX_REPLY])
    if len(frames) < 2:
        return LabelStatus(known=False, detail=f"unreadable reply to ~HS ({len(reply)} bytes)")
    first, second = frames[0].split(b","), frames[1].split(b",")
    paper_out, paused = _flag(first, 1), _flag(first, 2)
    head_open, ribbon_out = _flag(second, 2), _flag(second, 3)
    if len(first) < 12 or len(second) < 4 or None in (paper_out, paused, head_open, ribbon_out):
        return LabelStatus(known=False, detail=f"unreadable reply to ~HS ({len(reply)} bytes)")
    buffer_full, corrupt_ram, under_temp, over_temp = (_flag(first, i) for i in (5, 9, 10, 11))
    problems = [
        name
        for name, flag in (
            ("paper out", paper_out),
            ("paused", paused),
            ("head open", head_open),
            ("ribbon out", ribbon_out),
            ("receive buffer full", buffer_full),
            ("configuration lost", corrupt_ram),
            ("under temperature", under_temp),
            ("over temperature", over_temp),
        )
        if flag
    ]
    return LabelStatus(
        known=True,
        head_open=bool(head_open),
        paper_out=bool(paper_out),
        paused=bool(paused),
        ribbon_out=bool(ribbon_out),
        error=bool(ribbon_out or corrupt_ram or over_temp),
        detail=", ".join(problems),
    )


def read_zpl_host_status(transport: Transport, timeout: float) -> bytes:
    """Read a ``~HS`` answer: until its three strings arrived, ``timeout`` passed or 1 KB came in."""
    deadline = time.monotonic() + timeout
    reply = bytearray()
    while reply.count(b"\x03") < 3 and len(reply) < _MAX_REPLY:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        chunk = transport.read(256, timeout=remaining)
        if not chunk:  # nothing more within the time left
            break
        reply += chunk
    return bytes(reply)
