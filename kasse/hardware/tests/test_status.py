"""DLE EOT queries and the reply parser."""

from kasse.hardware.printers.status import (
    ALL_QUERIES,
    Health,
    PrinterStatus,
    StatusKind,
    parse_status,
    status_query,
)

IDLE = 0x12  # 0001 0010: fixed bits only


def replies(printer=IDLE, offline=IDLE, error=IDLE, paper=IDLE):
    def b(v):
        return None if v is None else (v if isinstance(v, bytes) else bytes([v]))

    return {
        StatusKind.PRINTER: b(printer),
        StatusKind.OFFLINE: b(offline),
        StatusKind.ERROR: b(error),
        StatusKind.PAPER: b(paper),
    }


def test_queries():
    assert status_query(StatusKind.PRINTER) == b"\x10\x04\x01"
    assert ALL_QUERIES == (b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x03", b"\x10\x04\x04")


def test_online():
    s = parse_status(replies())
    assert (s.online, s.cover_open, s.paper_near_end, s.paper_out, s.error) == (True, False, False, False, False)
    assert s.health is Health.OK


def test_offline_with_cover_open():
    s = parse_status(replies(printer=IDLE | 0x08, offline=IDLE | 0x04))
    assert s.online is False
    assert s.cover_open is True
    assert s.health is Health.FAULT


def test_paper_near_end_is_a_warning():
    s = parse_status(replies(paper=IDLE | 0x0C))
    assert s.paper_near_end is True
    assert s.paper_out is False
    assert s.health is Health.WARNING


def test_paper_out():
    s = parse_status(replies(printer=IDLE | 0x08, offline=IDLE | 0x20, paper=IDLE | 0x6C))
    assert s.paper_out is True
    assert s.health is Health.FAULT


def test_errors():
    assert parse_status(replies(error=IDLE | 0x08)).error is True  # autocutter
    assert parse_status(replies(error=IDLE | 0x20)).error is True  # unrecoverable
    assert parse_status(replies(offline=IDLE | 0x40)).error is True


def test_drawer_signal():
    assert parse_status(replies(printer=IDLE | 0x04)).drawer_open is True
    assert parse_status(replies(printer=IDLE | 0x04), drawer_open_signal_high=False).drawer_open is False


def test_garbage_reply_is_unknown():
    s = parse_status(replies(printer=b"\xff"))
    assert s == PrinterStatus.unknown(s.detail)
    assert s.health is Health.UNKNOWN
    assert "garbage" in s.detail


def test_empty_reply_is_unknown():
    s = parse_status(replies(printer=b""))
    assert s.health is Health.UNKNOWN
    assert "no reply" in s.detail
    assert parse_status({}).health is Health.UNKNOWN


def test_partial_replies_leave_fields_unknown():
    s = parse_status(replies(paper=None, error=b"junk"))
    assert s.online is True
    assert s.paper_out is None
    assert s.error is None
    assert "DLE EOT 4" in s.detail


def test_late_reply_bytes_take_the_newest():
    assert parse_status(replies(printer=bytes([IDLE, IDLE | 0x08]))).online is False
