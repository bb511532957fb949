"""ZVT over a serial line: every APDU framed with DLE STX ... DLE ETX CRC, each frame answered by ACK or NAK."""

import pytest

from kasse.hardware.terminals.zvt import apdu, commands, framing
from kasse.hardware.terminals.zvt.client import Dialog, Outcome
from kasse.hardware.terminals.zvt.codec import ZvtDecodeError
from kasse.hardware.terminals.zvt.link import LinkError, SerialLink
from kasse.hardware.transports.memory import MemoryTransport

ACK, NAK = bytes([framing.ACK]), bytes([framing.NAK])


def framed(hex_apdu: str) -> bytes:
    return framing.frame(bytes.fromhex(hex_apdu))


def open_link(replies=(), responder=None) -> tuple[SerialLink, MemoryTransport]:
    transport = MemoryTransport(replies, responder=responder)
    link = SerialLink(transport)
    link.open()
    return link, transport


def test_a_command_goes_out_framed_and_the_terminals_frames_are_acknowledged():
    replies = {
        framing.frame(commands.end_of_day("123456").encode()): ACK + framed("800000") + framed("060f00"),
        ACK: b"",
        framing.frame(apdu.ACK.encode()): ACK,
    }
    link, transport = open_link(responder=lambda data: replies.get(data, b""))
    result = Dialog(link, ack_timeout=0.2, overall_timeout=0.2).run(commands.end_of_day("123456"))
    assert result.outcome is Outcome.COMPLETED
    sent = bytes(transport.written)
    # our frame, ACK for the terminal's 80 00 00, ACK for its 06 0F, then our framed 80 00 00
    assert sent == framing.frame(bytes.fromhex("065003123456")) + ACK + ACK + framing.frame(bytes.fromhex("800000"))


def test_a_nak_from_the_terminal_repeats_the_same_frame_not_the_command():
    answers = iter([NAK, NAK, ACK])
    link, transport = open_link(responder=lambda data: next(answers, b""))
    link.send(commands.log_off())
    frame = framing.frame(bytes.fromhex("060200"))
    assert bytes(transport.written) == frame * 3


def test_a_terminal_that_never_acknowledges_the_frame_breaks_the_link(monkeypatch):
    monkeypatch.setattr("kasse.hardware.terminals.zvt.link.FRAME_ACK_TIMEOUT", 0.01)
    link, transport = open_link()
    with pytest.raises(LinkError, match="did not acknowledge"):
        link.send(commands.log_off())
    assert bytes(transport.written) == framing.frame(bytes.fromhex("060200")) * 3


def test_a_frame_with_a_wrong_crc_is_answered_with_nak_and_the_repeat_accepted():
    bad = bytearray(framed("04ff0117"))
    bad[-2] ^= 0x01
    link, transport = open_link([bytes(bad) + framed("04ff0117")])
    assert link.receive(0.1) == apdu.Apdu(0x04, 0xFF, b"\x17")
    assert bytes(transport.written) == NAK + ACK


def test_three_bad_frames_are_a_decoding_error():
    bad = bytearray(framed("060f00"))
    bad[-1] ^= 0x01
    link, transport = open_link([bytes(bad) * 3])
    with pytest.raises(ZvtDecodeError, match="wrong checksum"):
        link.receive(0.1)
    assert bytes(transport.written) == NAK * 3
