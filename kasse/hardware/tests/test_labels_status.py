"""Label printer status: the ZPL host status ``~HS`` (exact bytes, parsing, garbage) and TSPL's status byte,
over a real socket to the virtual label printer on 127.0.0.1."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasse.hardware.labels.status import (
    ZPL_STATUS_QUERY,
    parse_label_status,
    parse_zpl_host_status,
    read_zpl_host_status,
)
from kasse.hardware.transports.tcp import TcpTransport
from kasse.hardware.virtual.label_printer import LabelPrinterState, VirtualLabelPrinter, zpl_host_status

READY = b"\x02030,0,0,0240,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,6,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n"


@pytest.fixture
def printer():
    with VirtualLabelPrinter(0, idle_timeout=2) as p:
        yield p


def ask(port: int) -> bytes:
    with TcpTransport("127.0.0.1", port, timeout=2, connect_timeout=2) as transport:
        transport.write(ZPL_STATUS_QUERY)
        return read_zpl_host_status(transport, timeout=0.5)


def test_the_query_is_tilde_h_s_and_the_virtual_printer_answers_three_framed_strings(printer):
    assert ZPL_STATUS_QUERY == b"~HS"
    assert zpl_host_status(LabelPrinterState.ONLINE) == READY
    assert ask(printer.port) == READY
    assert printer.status_queries == [b"~HS"]
    status = parse_zpl_host_status(READY)
    assert status.known
    assert status.ready
    assert status.detail == ""


@pytest.mark.parametrize(
    ("state", "flag"),
    [
        (LabelPrinterState.PAPER_OUT, "paper_out"),
        (LabelPrinterState.PAUSED, "paused"),
        (LabelPrinterState.HEAD_OPEN, "head_open"),
    ],
)
def test_paper_out_pause_and_head_open_come_back_over_the_socket(printer, state, flag):
    printer.state = state
    status = parse_zpl_host_status(ask(printer.port))
    assert status.known
    assert not status.ready
    assert {name for name in ("paper_out", "paused", "head_open", "ribbon_out", "error") if getattr(status, name)} == {
        flag
    }
    assert status.detail == flag.replace("_", " ")


def test_a_silent_zebra_is_unknown_not_ready(printer):
    printer.state = LabelPrinterState.OFFLINE  # newer firmware says nothing while out of media or head open
    assert ask(printer.port) == b""
    status = parse_zpl_host_status(b"")
    assert not status.known
    assert not status.ready
    assert "no reply to ~HS" in status.detail


def test_ribbon_out_overheating_and_lost_configuration_are_errors():
    ribbon = READY.replace(b"000,0,0,0,0,2", b"000,0,0,1,0,2")
    assert parse_zpl_host_status(ribbon).ribbon_out
    assert parse_zpl_host_status(ribbon).error
    hot = READY.replace(b"000,0,0,0\x03", b"000,0,0,1\x03")
    assert parse_zpl_host_status(hot).error
    assert parse_zpl_host_status(hot).detail == "over temperature"
    lost = READY.replace(b"000,0,0,0\x03", b"000,1,0,0\x03")
    assert parse_zpl_host_status(lost).detail == "configuration lost"


@pytest.mark.parametrize(
    "reply",
    [
        b"\x00\xff\x13",  # noise
        b"\x02030,0,0,0240,000,0,0,0,000,0,0,0\x03\r\n",  # only the first string
        READY.replace(b"030,0,0", b"030,x,0"),  # a flag that is not 0/1
        READY.replace(b",0,0,0\x03", b"\x03"),  # the first string too short
        b"\x02a,b\x03\x02c\x03\x02d\x03",  # framed, but not a host status
        READY.replace(b"\x03", b""),  # no end of text
        b"~HS" * 400,  # an echo, far too long
    ],
)
def test_garbage_is_unknown_never_ready_and_never_raises(reply):
    status = parse_zpl_host_status(reply)
    assert not status.known
    assert not status.ready
    assert "unreadable reply to ~HS" in status.detail


def test_the_virtual_printer_sends_a_garbage_reply_when_told_and_it_reads_as_unknown(printer):
    printer.zpl_reply = b"\x02garbage\x03\r\n"
    reply = ask(printer.port)
    assert reply == b"\x02garbage\x03\r\n"  # read until the time ran out: only one string came
    assert not parse_zpl_host_status(reply).known


@given(st.binary(max_size=300))
def test_any_bytes_parse_without_raising(reply):
    status = parse_zpl_host_status(reply)
    assert status.ready is (
        status.known
        and not (status.paper_out or status.paused or status.head_open or status.ribbon_out or status.error)
    )


def test_tspl_pause_is_not_ready(printer):
    assert parse_label_status(b"\x10").paused
    assert not parse_label_status(b"\x10").ready
    printer.state = LabelPrinterState.PAUSED
    with TcpTransport("127.0.0.1", printer.port, timeout=2, connect_timeout=2) as transport:
        transport.write(b"\x1b!?")
        assert transport.read(1, timeout=0.5) == b"\x10"
