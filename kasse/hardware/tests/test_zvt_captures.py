"""Our ZVT decoder and encoder against traffic recorded from a real terminal (zvt_captures/README.md)."""

from pathlib import Path

import pytest

from kasse.hardware.terminals.zvt import apdu, bmp, commands, records, tlv
from kasse.hardware.terminals.zvt.codec import encode_bcd

CAPTURES = Path(__file__).parent / "zvt_captures"


def load(name: str) -> apdu.Apdu:
    return apdu.decode((CAPTURES / f"{name}.blob").read_bytes())


def parsed(name: str) -> records.Record:
    return records.parse(load(name))


def test_every_capture_decodes_and_encodes_back_to_the_same_bytes():
    for path in sorted(CAPTURES.glob("*.blob")):
        raw = path.read_bytes()
        assert apdu.decode(raw).encode() == raw, path.name


def test_registration_is_encoded_byte_for_byte_like_the_capture():
    expected = (CAPTURES / "1681273860.511128000_ecr_pt.blob").read_bytes()
    assert commands.registration("123456", 0xDE).encode() == expected


def test_end_of_day_is_encoded_byte_for_byte_like_the_capture():
    expected = (CAPTURES / "1681282621.302434000_ecr_pt.blob").read_bytes()
    assert commands.end_of_day("123456").encode() == expected


def test_pre_authorisation_fields_and_tlv_encode_byte_for_byte_like_the_capture():
    expected = (CAPTURES / "1680728162.033575000_ecr_pt.blob").read_bytes()
    container = tlv.Tlv(0xE9, children=(tlv.Tlv(0x1F62, b"AC"), tlv.Tlv(0x1F63, b"384HH2")))
    data = bmp.encode(
        [(bmp.PAYMENT_TYPE, b"\x40"), (bmp.CURRENCY, encode_bcd(978, 2)), (bmp.AMOUNT, encode_bcd(2500, 6))]
    ) + bmp.encode_tlv([container])
    assert apdu.Apdu(0x06, 0x22, data).encode() == expected


def test_partial_reversal_and_booking_encode_like_the_captures():
    partial = bmp.encode(
        [
            (bmp.PAYMENT_TYPE, b"\x40"),
            (bmp.RECEIPT_NUMBER, encode_bcd(491, 2)),
            (bmp.CURRENCY, encode_bcd(978, 2)),
            (bmp.AMOUNT, encode_bcd(1295, 6)),
        ]
    ) + bmp.encode_tlv([tlv.Tlv(0xE9, children=(tlv.Tlv(0x1F62, b"AC"), tlv.Tlv(0x1F63, b"MF2246")))])
    assert apdu.Apdu(0x06, 0x23, partial).encode() == load("1681455683.221609000_ecr_pt").encode()
    book = bmp.encode(
        [(bmp.PAYMENT_TYPE, b"\x40"), (bmp.RECEIPT_NUMBER, encode_bcd(231, 2)), (bmp.CURRENCY, encode_bcd(978, 2))]
    )
    assert apdu.Apdu(0x06, 0x25, book).encode() == load("1680728213.562478000_ecr_pt").encode()


def test_intermediate_status_without_timeout():
    status = parsed("1680728162.647465000_pt_ecr")
    assert status == records.IntermediateStatus(0x17, None, ())


def test_status_information_of_a_mastercard_payment():
    status = parsed("1680728165.675509000_pt_ecr")
    assert isinstance(status, records.StatusInformation)
    assert status.approved
    assert (status.amount_cents, status.currency) == (2500, 978)
    assert (status.date, status.time) == ("0405", "225558")
    assert status.masked_pan == "559883******8074"
    assert (status.receipt_number, status.trace_number) == (231, 975)
    assert status.payment_type == 0x60
    assert status.terminal_id == "52523535"
    assert status.expiry == "2405"
    assert (status.card_type, status.card_type_id, status.card_name) == (6, 1, "MasterCard")
    assert status.vu_number == "804011926"
    assert status.aid == "750071"


def test_status_information_of_a_girocard_payment():
    status = parsed("1682066249.409078000_pt_ecr")
    assert isinstance(status, records.StatusInformation)
    assert (status.amount_cents, status.receipt_number, status.trace_number) == (2500, 249, 1012)
    assert (status.date, status.time, status.card_sequence_number) == ("0421", "103720", 2)
    assert (status.card_type, status.card_name, status.expiry) == (5, "girocard", "2612")
    assert status.vu_number == "16004008"
    assert status.masked_pan == "4711008005757038004"


def test_status_information_with_additional_text():
    status = parsed("1680728215.659492000_pt_ecr")
    assert isinstance(status, records.StatusInformation)
    assert (status.amount_cents, status.receipt_number, status.trace_number) == (0, 232, 977)
    assert status.additional_text == "AS-Proc-Code= 00 076 06\rCapt.-Ref.= 0099\rAID59= 081520\r DAUER   7 TAGE"


def test_end_of_day_status_carries_the_totals_per_card_family():
    status = parsed("1680761828.489701000_pt_ecr")
    assert isinstance(status, records.StatusInformation)
    assert (status.amount_cents, status.trace_number, status.date, status.time) == (958, 982, "0406", "081706")
    totals = status.totals
    assert totals is not None
    assert (totals.first_receipt, totals.last_receipt, totals.count, totals.amount_cents) == (233, 234, 2, 958)
    assert [(f.family, f.count, f.amount_cents) for f in totals.families if f.count] == [("Mastercard", 2, 958)]


def test_completions():
    assert parsed("1680728165.827009000_pt_ecr") == records.Completion()
    with_data = parsed("1680761818.641601000_pt_ecr")
    assert with_data == records.Completion(status_byte=0x10, terminal_id="52523535", currency=978)
    version = parsed("1680728219.054216000_pt_ecr")
    assert isinstance(version, records.Completion)
    assert version.software_version == "GER-APP-v2.0.9;cS02.01.01-10.10-2-2;CC26"
    assert version.terminal_status == 0
    device = tlv.find(version.tlv, 0x1F40)
    assert device is not None
    assert device.value == b"cVEND plug"


def test_abort_with_result_code_and_no_receipt():
    assert parsed("partial_reversal") == records.Abort(0xB8, None)


def test_customer_receipt_text_block():
    block = parsed("1680728215.585561000_pt_ecr")
    assert isinstance(block, records.PrintTextBlock)
    assert block.receipt_type == records.ReceiptType.CUSTOMER
    assert len(block.lines) == 33
    assert block.lines[1].strip() == "** Customer Receipt **"
    assert block.lines[13] == "Card No.:               xxxxxxxxxxxx8074"


def test_system_configuration_text_block_with_german_umlauts():
    block = parsed("print_system_configuration_reply")
    assert isinstance(block, records.PrintTextBlock)
    assert block.receipt_type == records.ReceiptType.ADMINISTRATION
    assert len(block.lines) == 118
    assert block.lines[0].strip() == "** Konfiguration **"
    assert "Gültigkeit Clnt-Auth-" in [line.rstrip() for line in block.lines]


@pytest.mark.parametrize("name", ["1681273860.511128000_ecr_pt", "1681282621.302434000_ecr_pt"])
def test_register_commands_are_not_mistaken_for_terminal_messages(name):
    with pytest.raises(ValueError, match="unexpected message"):
        parsed(name)
