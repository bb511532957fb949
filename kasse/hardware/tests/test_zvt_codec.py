"""ZVT encodings on their own: BCD, LLVAR/LLLVAR, TLV, APDU lengths, serial framing and CRC, texts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasse.hardware.terminals.zvt import apdu, bmp, commands, framing, texts, tlv
from kasse.hardware.terminals.zvt.codec import (
    ZvtDecodeError,
    decode_bcd,
    decode_pan,
    decode_var_length,
    encode_bcd,
    encode_var_length,
)


def test_bcd_is_packed_and_padded_on_the_left():
    assert encode_bcd(2500, 6) == bytes.fromhex("000000002500")
    assert decode_bcd(bytes.fromhex("000975")) == 975
    with pytest.raises(ValueError, match="does not fit"):
        encode_bcd(1234567, 3)
    with pytest.raises(ZvtDecodeError, match="not BCD"):
        decode_bcd(b"\x1a")


@given(st.integers(min_value=0, max_value=999_999_999_999))
def test_bcd_round_trips(value):
    assert decode_bcd(encode_bcd(value, 6)) == value


def test_var_lengths_are_f_nibbles():
    assert encode_var_length(11, 2) == b"\xf1\xf1"
    assert encode_var_length(53, 3) == b"\xf0\xf5\xf3"
    assert decode_var_length(b"\xf0\xf8", 0, 2) == 8
    with pytest.raises(ZvtDecodeError, match="bad length prefix"):
        decode_var_length(b"\x08\xf8", 0, 2)


def test_masked_pan_shows_stars_and_drops_padding():
    assert decode_pan(bytes.fromhex("559883eeeeee8074")) == "559883******8074"
    assert decode_pan(bytes.fromhex("12345f")) == "12345"


def test_apdu_extended_length_is_little_endian():
    data = bytes(300)
    encoded = apdu.Apdu(0x06, 0xD3, data).encode()
    assert encoded[:5] == bytes([0x06, 0xD3, 0xFF, 0x2C, 0x01])
    assert apdu.decode(encoded) == apdu.Apdu(0x06, 0xD3, data)
    assert apdu.split(encoded[:100]) is None
    assert apdu.Apdu(0x06, 0xD3, bytes(254)).encode()[2] == 254


def test_apdu_with_bytes_left_over_is_refused():
    with pytest.raises(ZvtDecodeError, match="after the APDU"):
        apdu.decode(b"\x80\x00\x00\x00")


@given(st.lists(st.tuples(st.sampled_from([0x07, 0x1F07, 0x1F40, 0xDF01]), st.binary(max_size=300)), max_size=5))
def test_tlv_round_trips_with_long_lengths_and_nesting(items):
    inner = tuple(tlv.Tlv(tag, value) for tag, value in items)
    outer = (tlv.Tlv(0x25, children=inner), tlv.Tlv(0x1F07, b"\x02"))
    assert tlv.decode(tlv.encode(outer)) == outer


def test_cut_tlv_and_unknown_bmp_are_decoding_errors():
    with pytest.raises(ZvtDecodeError, match="cut short"):
        tlv.decode(b"\x07\x05ab")
    with pytest.raises(ZvtDecodeError, match="unknown BMP 77"):
        bmp.decode(b"\x77\x01")
    with pytest.raises(ZvtDecodeError, match="cut short"):
        bmp.decode(b"\x04\x00\x00")


def test_crc_is_ccitt_reflected_starting_at_zero():
    assert framing.crc16(b"123456789") == 0x2189  # the published check value of CRC-16/KERMIT


def test_frame_doubles_dle_and_appends_crc_low_byte_first():
    ack = bytes.fromhex("800000")
    crc = framing.crc16(ack + b"\x03")
    assert framing.frame(ack) == b"\x10\x02\x80\x00\x00\x10\x03" + bytes([crc & 0xFF, crc >> 8])
    with_dle = bytes([0x06, 0x01, 0x01, 0x10])
    assert b"\x10\x10\x10\x03" in framing.frame(with_dle)


def test_deframer_finds_frames_in_pieces_and_flags_a_bad_crc():
    good = framing.frame(bytes([0x04, 0xFF, 0x01, 0x10]))
    bad = bytearray(framing.frame(bytes.fromhex("060f00")))
    bad[-1] ^= 0xFF
    deframer = framing.Deframer()
    stream = b"noise" + good + bytes(bad)
    found = [f for i in range(0, len(stream), 3) for f in deframer.feed(stream[i : i + 3])]
    assert found == [
        framing.Frame(bytes([0x04, 0xFF, 0x01, 0x10]), True),
        framing.Frame(bytes.fromhex("060f00"), False),
    ]


def test_commands_encode_as_the_protocol_says():
    assert commands.authorization(1999).encode() == bytes.fromhex("06010a040000000019994909 78".replace(" ", ""))
    assert commands.reversal("000000", 12).encode() == bytes.fromhex("0630060000008700 12".replace(" ", ""))
    assert commands.refund("123456", 500).encode() == bytes.fromhex(
        "06310d123456040000000005004909 78".replace(" ", "")
    )
    assert commands.status_enquiry("123456").encode() == bytes.fromhex("0501 03 123456".replace(" ", ""))
    assert commands.repeat_receipt("123456").encode() == bytes.fromhex("062003123456")
    assert commands.abort().encode() == bytes.fromhex("06b000")
    assert commands.log_off().encode() == bytes.fromhex("060200")


def test_bad_password_and_amount_are_refused_before_anything_is_sent():
    with pytest.raises(ValueError, match="six digits"):
        commands.end_of_day("12345a")
    with pytest.raises(ValueError, match="more than zero"):
        commands.authorization(0)


def test_texts_in_german_and_english():
    assert texts.status_text(0x0A, "de") == "Karte einstecken"
    assert texts.status_text(0x0A, "en") == "Insert card"
    assert texts.result_text(0x6C, "de-de") == "Abbruch (Zeitüberschreitung oder Abbruchtaste)"
    assert texts.result_text(0x05, "en") == "Declined by the card issuer"
    assert texts.result_text(0x12, "de") == "Vom Zahlungssystem abgelehnt (Code 18)"
    assert texts.status_text(0x99, "en") == "Unknown code 99"
