"""`VirtualNetworkPrinter`: an ESC/POS printer on a TCP port (like port 9100 of a real one).

It splits the stream into jobs at each cut (`GS V`), decodes every job into text and a PNG,
keeps the last N in memory, optionally writes them to a folder (`job-0001.txt`, `.png`, `.bin`),
answers `DLE EOT n` status queries from a configurable state and has fault switches for tests:

- `state`: online, cover open, paper near end, paper out, offline (offline: no status answer).
  Jobs that arrive while the cover is open, the paper is out or the printer is offline are not
  printed; they are counted in `rejected_jobs`.
- `drop_after_bytes`: reset the connection once this many bytes arrived (unplugged mid-job).
- `stop_answering`: accept connections but read nothing and answer nothing (a hung printer).

Run it for the demo: `python -m kasse.hardware.virtual.network_printer --port 9100 --out var/virtual-printer`.
"""

from __future__ import annotations

import argparse
import enum
import io
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kasse.hardware.virtual._tcp import TcpDeviceServer, abort
from kasse.hardware.virtual.escpos_decoder import Receipt, decode, paper_width_px
from kasse.hardware.virtual.escpos_tokens import parse_one

if TYPE_CHECKING:
    import socket

_CUTS = {"CUT", "CUT_PARTIAL_LEGACY"}
_NOT_PART_OF_JOB = {"STATUS_QUERY", "REALTIME_REQUEST", "REALTIME_COMMAND"}
_FIXED_BITS = 0x12  # every DLE EOT status byte has the form 0xx1xx10


class PrinterState(enum.Enum):
    ONLINE = "online"
    COVER_OPEN = "cover_open"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"


def status_byte(state: PrinterState, n: int) -> int | None:
    """The answer to `DLE EOT n` (n = 1 printer, 2 offline cause, 3 error, 4 paper sensor)."""
    if state is PrinterState.OFFLINE or n not in (1, 2, 3, 4):
        return None
    stopped = state in (PrinterState.COVER_OPEN, PrinterState.PAPER_OUT)
    if n == 1:
        return _FIXED_BITS | (0x08 if stopped else 0)
    if n == 2:
        cover = 0x04 if state is PrinterState.COVER_OPEN else 0
        paper = 0x20 if state is PrinterState.PAPER_OUT else 0
        return _FIXED_BITS | cover | paper
    if n == 3:
        return _FIXED_BITS
    near_end = 0x0C if state in (PrinterState.PAPER_NEAR_END, PrinterState.PAPER_OUT) else 0
    out = 0x60 if state is PrinterState.PAPER_OUT else 0
    return _FIXED_BITS | near_end | out


@dataclass
class PrintedJob:
    number: int
    raw: bytes
    receipt: Receipt
    complete: bool  # False when the connection dropped in the middle of the job
    received_at: float = field(default_factory=time.time)

    @property
    def text(self) -> str:
        return self.receipt.text

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.receipt.picture().save(buffer, format="PNG")
        return buffer.getvalue()


class VirtualNetworkPrinter(TcpDeviceServer):
    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        paper_mm: int = 80,
        keep_jobs: int = 50,
        out_dir: str | Path | None = None,
        state: PrinterState = PrinterState.ONLINE,
        idle_timeout: float = 10.0,
    ) -> None:
        super().__init__(host=host, port=port, idle_timeout=idle_timeout)
        self.paper_width_px = paper_width_px(paper_mm)
        self.state = state
        self.drop_after_bytes: int | None = None
        self.stop_answering = False
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self._jobs: deque[PrintedJob] = deque(maxlen=keep_jobs)
        self._jobs_changed = threading.Condition()
        self._next_number = self._first_free_number()
        self.rejected_jobs = 0
        self.status_queries = 0
        self.drawer_kicks = 0

    # --- what tests look at ------------------------------------------------------------------
    @property
    def jobs(self) -> list[PrintedJob]:
        with self._jobs_changed:
            return list(self._jobs)

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[PrintedJob]:
        """Block until at least `count` jobs are stored (or the timeout passes); returns the jobs."""
        deadline = time.monotonic() + timeout
        with self._jobs_changed:
            while len(self._jobs) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._jobs_changed.wait(remaining)
            return list(self._jobs)

    def clear(self) -> None:
        with self._jobs_changed:
            self._jobs.clear()

    # --- the protocol -----------------------------------------------------------------------
    def handle_connection(self, conn: socket.socket) -> None:
        if self.stop_answering:
            self._hang(conn)
            return
        buffer = bytearray()
        job = bytearray()
        received = 0
        for chunk in self.receive_chunks(conn):
            if not chunk:
                continue
            if self.drop_after_bytes is not None and received + len(chunk) >= self.drop_after_bytes:
                job += buffer + chunk[: max(0, self.drop_after_bytes - received)]
                self._finish(bytes(job), complete=False)
                abort(conn)
                return
            received += len(chunk)
            buffer += chunk
            pos = 0
            data = bytes(buffer)
            while (cmd := parse_one(data, pos)) is not None:
                pos += len(cmd.raw)
                if cmd.name == "STATUS_QUERY":
                    self._answer_status(conn, cmd.params[0])
                elif cmd.name in _NOT_PART_OF_JOB:
                    if cmd.name == "REALTIME_COMMAND" and cmd.params[:1] == b"\x01":
                        self.drawer_kicks += 1
                else:
                    if cmd.name == "DRAWER_KICK":
                        self.drawer_kicks += 1
                    job += cmd.raw
                    if cmd.name in _CUTS:
                        self._finish(bytes(job), complete=True)
                        job.clear()
            del buffer[:pos]
        job += buffer  # a command cut off by the close; the decoder notes it
        if job:
            self._finish(bytes(job), complete=True)

    def _hang(self, conn: socket.socket) -> None:
        waited = 0.0
        while not self.stopping and waited < self.idle_timeout and self.stop_answering:
            time.sleep(self.poll_interval)
            waited += self.poll_interval

    def _answer_status(self, conn: socket.socket, n: int) -> None:
        self.status_queries += 1
        answer = status_byte(self.state, n)
        if answer is not None and not self.stop_answering:
            conn.sendall(bytes([answer]))

    def _finish(self, raw: bytes, *, complete: bool) -> None:
        receipt = decode(raw, paper_width_px=self.paper_width_px)
        if not receipt.elements:
            return  # only settings or status traffic, nothing printed
        if self.state in (PrinterState.COVER_OPEN, PrinterState.PAPER_OUT, PrinterState.OFFLINE):
            self.rejected_jobs += 1
            return
        with self._jobs_changed:
            number = self._next_number
            self._next_number += 1
        job = PrintedJob(number, raw, receipt, complete)
        if self.out_dir is not None:
            self._write(job)
        with self._jobs_changed:
            self._jobs.append(job)
            self._jobs_changed.notify_all()

    def _write(self, job: PrintedJob) -> None:
        assert self.out_dir is not None
        self.out_dir.mkdir(parents=True, exist_ok=True)
        stem = self.out_dir / f"job-{job.number:04d}"
        stem.with_suffix(".bin").write_bytes(job.raw)
        stem.with_suffix(".png").write_bytes(job.png())
        header = "" if job.complete else "# connection dropped mid-job\n"
        stem.with_suffix(".txt").write_text(header + job.receipt.transcript(), encoding="utf-8")

    def _first_free_number(self) -> int:
        if self.out_dir is None or not self.out_dir.is_dir():
            return 1
        numbers = [int(m.group(1)) for p in self.out_dir.iterdir() if (m := re.fullmatch(r"job-(\d+)\.txt", p.name))]
        return max(numbers, default=0) + 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A virtual ESC/POS network printer for the demo and tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--paper-mm", type=int, choices=(58, 80), default=80)
    parser.add_argument("--out", default=None, help="folder for job-0001.txt/.png/.bin")
    parser.add_argument("--keep", type=int, default=50, help="jobs kept in memory")
    args = parser.parse_args(argv)
    printer = VirtualNetworkPrinter(
        args.port, host=args.host, paper_mm=args.paper_mm, keep_jobs=args.keep, out_dir=args.out, idle_timeout=300
    )
    with printer:
        print(f"virtual ESC/POS printer on {args.host}:{printer.port}, jobs to {args.out or 'memory'}", flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
