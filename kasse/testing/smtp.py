"""A small SMTP server on 127.0.0.1 for tests: speaks enough of RFC 5321 for Django's SMTP backend and keeps
every message it received (envelope recipients and the parsed message)."""

from __future__ import annotations

import email
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message


@dataclass
class Received:
    recipients: list[str]
    message: Message

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                payload = part.get_payload(decode=True)
                return payload.decode(part.get_content_charset() or "utf-8") if isinstance(payload, bytes) else ""
        return ""


@dataclass
class Mailbox:
    messages: list[Received] = field(default_factory=list)
    # Set to a reply such as "550 5.1.1 mailbox unavailable" (or a 4xx) to refuse every recipient.
    refuse_recipients: str = ""

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.recipients]


class _Handler(socketserver.StreamRequestHandler):
    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        box: Mailbox = self.server.mailbox  # type: ignore[attr-defined]
        self._say("220 127.0.0.1 test SMTP")
        recipients: list[str] = []
        for _ in range(10_000):  # bounded: a test talks a few dozen lines
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 127.0.0.1")
            elif verb == "MAIL":
                recipients = []
                self._say("250 OK")
            elif verb == "RCPT":
                if box.refuse_recipients:
                    self._say(box.refuse_recipients)
                    continue
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                for _ in range(1_000_000):
                    line = self.rfile.readline()
                    if line in (b".\r\n", b".\n", b""):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                box.messages.append(Received(recipients, email.message_from_bytes(b"".join(lines))))
                self._say("250 OK queued")
            elif verb == "QUIT":
                self._say("221 Bye")
                return
            else:
                self._say("250 OK")


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """Serve SMTP on 127.0.0.1 (a free port) while the block runs; yields the mailbox and the port."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.mailbox = Mailbox()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.mailbox, server.server_address[1]  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
