"""Scans typed into a virtual pty scanner arrive through SerialScanner as the exact code."""

import logging
import os
import time

import pytest

from kasse.hardware.scanners.base import GS, CodeCleanup, clean_code
from kasse.hardware.scanners.serial_scanner import LineAssembler, SerialScanner
from kasse.hardware.scanners.virtual_scanner import VirtualSerialScanner


@pytest.fixture
def virtual():
    with VirtualSerialScanner() as scanner:
        yield scanner


@pytest.fixture
def reader(virtual):
    scanner = SerialScanner(virtual.port, read_timeout=0.02)
    scanner.start()
    assert scanner.connected.wait(2)
    yield scanner
    scanner.stop()


def test_scan_arrives_as_the_exact_code(virtual, reader):
    virtual.scan("4006381333931")

    event = reader.get(timeout=2)

    assert event is not None
    assert event.code == "4006381333931"
    assert event.symbology_id is None
    assert event.source == f"serial:{virtual.port}"
    assert event.received_at.tzinfo is not None


def test_aim_prefix_is_removed_and_reported(virtual, reader):
    virtual.scan("4006381333931", aim_id="]E0")

    event = reader.get(timeout=2)

    assert event is not None
    assert (event.code, event.symbology_id) == ("4006381333931", "]E0")


def test_slow_typist_burst_arrives_whole(virtual, reader):
    virtual.scan("Zwieback-ZY1", char_delay=0.03)

    event = reader.get(timeout=3)

    assert event is not None
    assert event.code == "Zwieback-ZY1"


def test_cr_lf_and_lf_terminators_give_one_scan_each(virtual, reader):
    virtual.send_raw(b"111\r\n222\n333\r")

    codes = [reader.get(timeout=2) for _ in range(3)]

    assert [e.code for e in codes if e] == ["111", "222", "333"]
    assert reader.get(timeout=0.1) is None


def test_overlong_garbage_is_discarded_and_the_next_scan_still_arrives(virtual, caplog):
    scanner = SerialScanner(virtual.port, read_timeout=0.02, max_length=32)
    scanner.start()
    try:
        assert scanner.connected.wait(2)
        with caplog.at_level(logging.WARNING):
            virtual.send_raw(bytes(range(0x20, 0x7F)) * 2 + b"\r")
            virtual.scan("4006381333931")
            event = scanner.get(timeout=2)
        assert event is not None
        assert event.code == "4006381333931"
        assert scanner.get(timeout=0.1) is None
        assert "longer than 32 bytes" in caplog.text
    finally:
        scanner.stop()


def test_callback_receives_scans_on_the_reader_thread(virtual):
    received = []
    scanner = SerialScanner(virtual.port, read_timeout=0.02, on_scan=received.append)
    with scanner:
        assert scanner.connected.wait(2)
        virtual.scan("12345670")
        deadline = time.monotonic() + 2
        while not received and time.monotonic() < deadline:
            time.sleep(0.01)
    assert [e.code for e in received] == ["12345670"]


def test_scanner_reconnects_when_the_port_comes_back(tmp_path):
    link = tmp_path / "scanner"  # like /dev/serial/by-id/...: the same name after replugging
    first = VirtualSerialScanner()
    os.symlink(first.port, link)
    scanner = SerialScanner(str(link), read_timeout=0.02, backoff_initial=0.05, backoff_max=0.2)
    scanner.start()
    try:
        assert scanner.connected.wait(2)
        first.close()
        link.unlink()
        deadline = time.monotonic() + 2
        while scanner.connected.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not scanner.connected.is_set()

        with VirtualSerialScanner() as second:
            os.symlink(second.port, link)
            assert scanner.connected.wait(3)
            second.scan("4006381333931")
            event = scanner.get(timeout=2)
        assert event is not None
        assert event.code == "4006381333931"
        assert scanner.reconnects >= 1
    finally:
        scanner.stop()


def test_missing_port_does_not_raise_and_stop_is_prompt():
    scanner = SerialScanner("/dev/does-not-exist-kasse", backoff_initial=0.05)
    scanner.start()
    time.sleep(0.15)
    started = time.monotonic()
    scanner.stop()
    assert time.monotonic() - started < 1
    assert "could not open port" in scanner.last_error


def test_stale_partial_line_is_not_glued_to_the_next_scan():
    lines = LineAssembler(partial_timeout=1.0)

    assert lines.feed(b"40063", now=0.0) == []
    assert lines.feed(b"12345670\r", now=5.0) == ["12345670"]
    assert lines.discarded == ["partial line without terminator after 1 s"]


def test_clean_code_gs_substitute_and_aim_switch():
    assert clean_code("]d2010400638133393110ABC^]17251231\r\n", CodeCleanup(gs_substitute="^]")) == (
        f"010400638133393110ABC{GS}17251231",
        "]d2",
    )
    assert clean_code("]E04006381333931", CodeCleanup(aim_ids=False)) == ("]E04006381333931", None)
    assert clean_code("\r\n") == ("", None)
