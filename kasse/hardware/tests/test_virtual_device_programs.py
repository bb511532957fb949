"""The pieces the virtual devices need to run as programs (what `kasse demo` starts): the scanner's
named-pipe inbox, the stable link to a pty, a label printer that keeps counting after a restart."""

from __future__ import annotations

import os
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from kasse.hardware.labels.document import shelf_label
from kasse.hardware.labels.tspl import render_tspl
from kasse.hardware.scanners.virtual_scanner import (
    CodeInbox,
    InboxUnavailable,
    VirtualSerialScanner,
    send_to_inbox,
)
from kasse.hardware.transports.tcp import TcpTransport
from kasse.hardware.virtual.label_printer import VirtualLabelPrinter
from kasse.hardware.virtual.pty_link import PtyLink


def _collect(inbox: CodeInbox, count: int) -> list[str]:
    """The first ``count`` codes out of the inbox (at most 5 s; its reader blocks while nothing comes)."""
    codes: list[str] = []

    def read() -> None:
        for code in inbox.codes():
            codes.append(code)
            if len(codes) == count:
                return

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(5)
    return codes


def test_codes_written_to_the_inbox_come_out_one_per_line(tmp_path):
    with CodeInbox(tmp_path / "scanner.in") as inbox:
        send_to_inbox(tmp_path / "scanner.in", " 4006381333931 ")
        with open(tmp_path / "scanner.in", "wb") as pipe:  # a writer that sends in pieces, with CR LF
            pipe.write(b"40000")
            pipe.flush()
            pipe.write(b"00000017\r\n" + b"9" * 300 + b"\n\n" + "Kürbis".encode() + b"\n")
        assert _collect(inbox, 3) == ["4006381333931", "4000000000017", "Kürbis"]  # the 300-digit line dropped


def test_sending_needs_a_running_virtual_scanner(tmp_path):
    with pytest.raises(InboxUnavailable, match="does not exist"):
        send_to_inbox(tmp_path / "scanner.in", "4006381333931")
    (tmp_path / "file").write_text("")
    with pytest.raises(InboxUnavailable, match="is not a virtual scanner's named pipe"):
        send_to_inbox(tmp_path / "file", "4006381333931")
    os.mkfifo(tmp_path / "orphan.in")  # left behind by a process that was killed: nobody reads it
    with pytest.raises(InboxUnavailable, match="no virtual scanner is reading"):
        send_to_inbox(tmp_path / "orphan.in", "4006381333931")


@pytest.mark.parametrize("code", ["", "   ", "4006\n381", "\x1b[A", "1" * 257])
def test_sending_refuses_what_no_scanner_could_read(tmp_path, code):
    with CodeInbox(tmp_path / "scanner.in"), pytest.raises(ValueError, match="not a code a scanner could read"):
        send_to_inbox(tmp_path / "scanner.in", code)


def test_the_inbox_is_removed_on_close_unless_a_newer_one_took_its_place(tmp_path):
    path = tmp_path / "scanner.in"
    CodeInbox(path).close()
    assert not path.exists()
    old = CodeInbox(path)
    newer = CodeInbox(path)
    old.close()
    assert path.exists()
    newer.close()
    assert not path.exists()


def test_the_link_follows_the_pty_and_is_left_alone_once_a_newer_one_replaced_it(tmp_path):
    link = tmp_path / "devices" / "scanner.tty"
    with VirtualSerialScanner() as first, VirtualSerialScanner() as second:
        with PtyLink(first.port, link):
            assert os.readlink(link) == first.port
            PtyLink(second.port, link).publish()  # a restarted device process
        assert os.readlink(link) == second.port  # the old one's exit did not remove the new link
        PtyLink(second.port, link).withdraw()
    assert not link.is_symlink()
    assert not any(p.name.startswith(".") for p in link.parent.iterdir())  # no temporary link left


def test_a_restarted_label_printer_does_not_overwrite_earlier_labels(tmp_path):
    job = render_tspl(shelf_label("Brötchen", Decimal("0.45"), ean="4006381333931"))
    for expected in ("label-0001.txt", "label-0002.txt"):
        with VirtualLabelPrinter(0, out_dir=tmp_path, idle_timeout=2) as printer:
            with TcpTransport("127.0.0.1", printer.port) as link:
                link.write(job)
            assert len(printer.wait_for_labels(1)) == 1
        assert (tmp_path / expected).read_text(encoding="utf-8") == (
            "Brötchen\n0,45 €\n[EAN13 4006381333931]\ncopies: 1\n"
        )
    assert sorted(p.name for p in Path(tmp_path).glob("*.txt")) == ["label-0001.txt", "label-0002.txt"]
