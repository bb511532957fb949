"""`VirtualLabelPrinter`: a TSPL/ZPL label printer on a TCP port (9100 on real ones).

Each job (TSPL up to `PRINT`, ZPL up to `^XZ`) is parsed back into its fields and drawn as a
PNG per label; the last N labels stay in memory and can be written to a folder. The TSPL status
query `ESC ! ?` is answered with one byte (0 ready, 1 head open, 4 paper out, 0x10 paused), the ZPL
host status `~HS` with its three framed strings (paper out, pause and head-up flags set from the state;
see :mod:`kasse.hardware.labels.status`). Fault switches: `state = OFFLINE` (no answer, jobs not
printed), `stop_answering` (reads nothing at all) and `zpl_reply` (answer `~HS` with these bytes instead).
It runs standalone as `python -m kasse.hardware.virtual.label_printer --port 9101 --out DIR`.
"""

from __future__ import annotations

import argparse
import enum
import io
import re
import threading
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from kasse.hardware.virtual._tcp import TcpDeviceServer
from kasse.hardware.virtual.label_parser import ParsedLabel, parse_label_job
from kasse.hardware.virtual.pty_link import exit_on_sigterm

if TYPE_CHECKING:
    import socket

_STATUS_QUERY = b"\x1b!?"
_ZPL_STATUS_QUERY = b"~HS"
_JOB_END = re.compile(rb"\^XZ|(?:^|\n)\s*PRINT[^\n]*\n", re.IGNORECASE)


class LabelPrinterState(enum.Enum):
    ONLINE = 0x00
    HEAD_OPEN = 0x01
    PAPER_OUT = 0x04
    PAUSED = 0x10
    OFFLINE = -1


def zpl_host_status(state: LabelPrinterState, label_length_dots: int = 240) -> bytes:
    """The three ``~HS`` strings a Zebra printer in ``state`` sends (b"" when offline)."""
    if state is LabelPrinterState.OFFLINE:
        return b""
    paper_out = int(state is LabelPrinterState.PAPER_OUT)
    paused = int(state is LabelPrinterState.PAUSED)
    head_up = int(state is LabelPrinterState.HEAD_OPEN)
    first = f"030,{paper_out},{paused},{label_length_dots:04d},000,0,0,0,000,0,0,0"
    second = f"000,0,{head_up},0,0,2,6,0,00000000,1,000"
    return b"".join(b"\x02" + part.encode("ascii") + b"\x03\r\n" for part in (first, second, "1234,0"))


class VirtualLabelPrinter(TcpDeviceServer):
    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        keep_labels: int = 50,
        out_dir: str | Path | None = None,
        idle_timeout: float = 10.0,
    ) -> None:
        super().__init__(host=host, port=port, idle_timeout=idle_timeout, max_bytes_per_connection=4 * 1024 * 1024)
        self.state = LabelPrinterState.ONLINE
        self.stop_answering = False
        self.zpl_reply: bytes | None = None  # a fault switch: answer ~HS with exactly these bytes
        self.status_queries: list[bytes] = []  # the status queries received, in order
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self._labels: deque[ParsedLabel] = deque(maxlen=keep_labels)
        self._changed = threading.Condition()
        self._count = self._last_number()  # a restarted printer does not overwrite earlier labels
        self.rejected_jobs = 0

    @property
    def labels(self) -> list[ParsedLabel]:
        with self._changed:
            return list(self._labels)

    def wait_for_labels(self, count: int, timeout: float = 5.0) -> list[ParsedLabel]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._labels) < count and (remaining := deadline - time.monotonic()) > 0:
                self._changed.wait(remaining)
            return list(self._labels)

    def _last_number(self) -> int:
        if self.out_dir is None or not self.out_dir.is_dir():
            return 0
        numbers = [int(m.group(1)) for p in self.out_dir.iterdir() if (m := re.fullmatch(r"label-(\d+)\.txt", p.name))]
        return max(numbers, default=0)

    def handle_connection(self, conn: socket.socket) -> None:
        if self.stop_answering:
            waited = 0.0
            while not self.stopping and waited < self.idle_timeout and self.stop_answering:
                time.sleep(self.poll_interval)
                waited += self.poll_interval
            return
        buffer = bytearray()
        for chunk in self.receive_chunks(conn):
            if not chunk:
                continue
            buffer += chunk
            while (at := buffer.find(_STATUS_QUERY)) >= 0:
                del buffer[at : at + len(_STATUS_QUERY)]
                self.status_queries.append(_STATUS_QUERY)
                if self.state is not LabelPrinterState.OFFLINE:
                    conn.sendall(bytes([self.state.value]))
            while (at := buffer.find(_ZPL_STATUS_QUERY)) >= 0:  # like a Zebra: answered at once, even mid-job
                del buffer[at : at + len(_ZPL_STATUS_QUERY)]
                self.status_queries.append(_ZPL_STATUS_QUERY)
                reply = self.zpl_reply if self.zpl_reply is not None else zpl_host_status(self.state)
                if reply:
                    conn.sendall(reply)
            while (match := _JOB_END.search(buffer)) is not None:
                self._print(bytes(buffer[: match.end()]))
                del buffer[: match.end()]
        if bytes(buffer).strip():
            self._print(bytes(buffer))

    def _print(self, job: bytes) -> None:
        labels = [label for label in parse_label_job(job) if label.texts or label.barcodes]
        if not labels:
            return
        if self.state is not LabelPrinterState.ONLINE:
            self.rejected_jobs += 1
            return
        for label in labels:
            with self._changed:
                self._count += 1
                number = self._count
            if self.out_dir is not None:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                buffer = io.BytesIO()
                label.picture().save(buffer, format="PNG")
                (self.out_dir / f"label-{number:04d}.png").write_bytes(buffer.getvalue())
                (self.out_dir / f"label-{number:04d}.bin").write_bytes(job)  # whose job it was (the back office)
                (self.out_dir / f"label-{number:04d}.txt").write_text(
                    "\n".join([*label.text_values, *(f"[{b.symbology} {b.data}]" for b in label.barcodes)])
                    + f"\ncopies: {label.copies}\n",
                    encoding="utf-8",
                )
            with self._changed:
                self._labels.append(label)
                self._changed.notify_all()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A virtual TSPL/ZPL label printer for the demo and tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9101)
    parser.add_argument("--out", default=None, help="folder for label-0001.txt/.png")
    parser.add_argument("--keep", type=int, default=50, help="labels kept in memory")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    printer = VirtualLabelPrinter(args.port, host=args.host, keep_labels=args.keep, out_dir=args.out, idle_timeout=300)
    with printer:
        print(
            f"virtual label printer (TSPL/ZPL) on {args.host}:{printer.port}, labels to {args.out or 'memory'}",
            flush=True,
        )
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
