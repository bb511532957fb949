"""A virtual DM-D pole display: parses the command bytes back into two lines of text.

`PoleDisplayParser` is the pure decoder (feed bytes, read `lines`). `VirtualPoleDisplay` puts it
behind a pty, so `PoleDisplay.serial(virtual.port)` talks to it through pyserial exactly as to a
display on `/dev/ttyUSB0`; a reader thread decodes what arrives.

As a program (`python -m kasse.hardware.displays.virtual_pole_display --link L --out F`, what
`kasse demo` runs) it keeps a symlink to its pty at `L` and, whenever the two lines change, prints
them and writes them to `F`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path

from kasse.hardware.virtual.pty_link import PtyLink, exit_on_sigterm

CODE_TABLES = {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858"}


class PoleDisplayParser:
    """The state of a 20×2 display in overwrite mode after the bytes fed so far."""

    def __init__(self, columns: int = 20, rows: int = 2) -> None:
        self.columns = columns
        self.rows = rows
        self.brightness = 4
        self.cursor_visible = True
        self.mode = "overwrite"
        self.encoding = "cp437"
        self.unknown: list[bytes] = []  # commands this parser does not know, for tests to assert on
        self._pending = b""
        self.reset()

    def reset(self) -> None:
        self.grid = [[" "] * self.columns for _ in range(self.rows)]
        self.x = 0
        self.y = 0
        self.encoding = "cp437"
        self.mode = "overwrite"
        self.brightness = 4

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple("".join(row) for row in self.grid)

    def feed(self, data: bytes) -> None:
        buffer = self._pending + data
        index = 0
        while index < len(buffer):
            used = self._step(buffer, index)
            if used == 0:  # incomplete command: wait for more bytes
                break
            index += used
        self._pending = buffer[index:][:16]

    def _step(self, buf: bytes, i: int) -> int:
        byte = buf[i]
        rest = len(buf) - i
        if byte == 0x1B:  # ESC
            if rest < 2:
                return 0
            command = buf[i + 1]
            if command == 0x40:  # ESC @
                self.reset()
                return 2
            if command == 0x74:  # ESC t n
                if rest < 3:
                    return 0
                self.encoding = CODE_TABLES.get(buf[i + 2], self.encoding)
                return 3
            self.unknown.append(buf[i : i + 2])
            return 2
        if byte == 0x1F:  # US
            if rest < 2:
                return 0
            command = buf[i + 1]
            if command == 0x24:  # US $ n m
                if rest < 4:
                    return 0
                self.x = min(max(buf[i + 2], 1), self.columns) - 1
                self.y = min(max(buf[i + 3], 1), self.rows) - 1
                return 4
            if command in (0x01, 0x02, 0x03):
                self.mode = {1: "overwrite", 2: "vertical scroll", 3: "horizontal scroll"}[command]
                return 2
            if command in (0x43, 0x58):  # US C n, US X n
                if rest < 3:
                    return 0
                if command == 0x43:
                    self.cursor_visible = bool(buf[i + 2])
                else:
                    self.brightness = buf[i + 2]
                return 3
            if command == 0x42:  # US B: bottom left
                self.x, self.y = 0, self.rows - 1
                return 2
            self.unknown.append(buf[i : i + 2])
            return 2
        if byte == 0x0C:  # CLR
            self.grid = [[" "] * self.columns for _ in range(self.rows)]
            self.x = self.y = 0
        elif byte == 0x18:  # CAN
            self.grid[self.y] = [" "] * self.columns
            self.x = 0
        elif byte == 0x0B:  # HOM
            self.x = self.y = 0
        elif byte == 0x0D:  # CR
            self.x = 0
        elif byte == 0x0A:  # LF
            self.y = min(self.y + 1, self.rows - 1)
        elif byte == 0x08:  # BS
            self.x = max(self.x - 1, 0)
        elif byte >= 0x20:
            self._put(bytes([byte]).decode(self.encoding, errors="replace"))
        else:
            self.unknown.append(bytes([byte]))
        return 1

    def _put(self, char: str) -> None:
        self.grid[self.y][self.x] = char
        self.x += 1
        if self.x >= self.columns:  # overwrite mode: continue at the start of the other line
            self.x = 0
            self.y = (self.y + 1) % self.rows


class VirtualPoleDisplay:
    """A pty whose slave (`port`) behaves like a serial pole display."""

    def __init__(self) -> None:
        self.parser = PoleDisplayParser()
        self.received = bytearray()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no CR/LF translation or echo: bytes arrive as sent
        self.port = os.ttyname(self._slave)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="virtual-pole-display", daemon=True)
        self._thread.start()

    @property
    def lines(self) -> tuple[str, ...]:
        with self._lock:
            return self.parser.lines

    def wait_for(self, predicate: Callable[[tuple[str, ...]], bool], timeout: float = 2.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.lines):
                return True
            time.sleep(0.005)
        return predicate(self.lines)

    def _read(self) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([self._master], [], [], 0.05)
            if not readable:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:
                return
            with self._lock:
                self.received += data
                del self.received[:-65536]
                self.parser.feed(data)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> VirtualPoleDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def framed(lines: tuple[str, ...]) -> str:
    """The display's lines in a box, as the demo prints them."""
    width = max((len(line) for line in lines), default=0)
    return "\n".join(["┌" + "─" * width + "┐", *(f"│{line}│" for line in lines), "└" + "─" * width + "┘"]) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A virtual 2x20 pole display (Epson DM-D) on a pty (demo and tests).")
    parser.add_argument("--link", required=True, help="path of a symlink kept pointing at the pty's device")
    parser.add_argument("--out", default=None, help="file that always holds the two lines shown")
    parser.add_argument("--quiet", action="store_true", help="do not print the lines when they change")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    out = Path(args.out) if args.out else None
    with VirtualPoleDisplay() as display, PtyLink(display.port, args.link):
        print(f"virtual pole display on {display.port} (link {args.link})", flush=True)
        shown: tuple[str, ...] | None = None
        previous: tuple[str, ...] | None = None
        try:
            while True:
                lines = display.lines
                # Only a frame that stayed for one look: not the moment between its two lines' writes.
                settled, previous = lines == previous, lines
                if settled and lines != shown:
                    shown = lines
                    if out is not None:
                        out.parent.mkdir(parents=True, exist_ok=True)
                        temporary = out.with_name(f".{out.name}.tmp")
                        temporary.write_text(framed(lines), encoding="utf-8")
                        os.replace(temporary, out)  # readers never see half a frame
                    if not args.quiet:
                        print("pole display\n" + framed(lines), end="", flush=True)
                time.sleep(0.05)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
