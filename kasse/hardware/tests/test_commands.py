"""Exact ESC/POS bytes for every command the renderer emits."""

from PIL import Image

from kasse.hardware.printers import escpos_render as r
from kasse.hardware.printers.base import Align, DrawerPin, QRErrorLevel, ReceiptDocument
from kasse.hardware.printers.profiles import EPSON_TM_T88, GENERIC_58, HPRT_TP808, PROFILES


def test_every_document_starts_with_init_and_cp858():
    for profile in PROFILES.values():
        assert r.render(ReceiptDocument(), profile) == b"\x1b@\x1bt\x13"


def test_codepage_select():
    assert r.select_codepage(19) == b"\x1b\x74\x13"


def test_bold_alignment_and_size():
    assert r.bold(True) == b"\x1b\x45\x01"
    assert r.bold(False) == b"\x1b\x45\x00"
    assert r.align(Align.LEFT) == b"\x1b\x61\x00"
    assert r.align(Align.CENTER) == b"\x1b\x61\x01"
    assert r.align(Align.RIGHT) == b"\x1b\x61\x02"
    assert r.char_size(False, False) == b"\x1d\x21\x00"
    assert r.char_size(True, False) == b"\x1d\x21\x10"
    assert r.char_size(False, True) == b"\x1d\x21\x01"
    assert r.char_size(True, True) == b"\x1d\x21\x11"


def test_cut_and_feed():
    assert r.cut() == b"\x1d\x56\x00"
    assert r.cut(partial=True) == b"\x1d\x56\x01"
    assert r.feed(3) == b"\x1b\x64\x03"


def test_drawer_kick_pin_2_and_pin_5():
    assert r.drawer_kick(DrawerPin.PIN_2) == b"\x1b\x70\x00\x19\xfa"
    assert r.drawer_kick(DrawerPin.PIN_5) == b"\x1b\x70\x01\x19\xfa"


def test_code128_barcode():
    assert r.barcode_code128("R-000123", height=80, module_width=2) == (
        b"\x1d\x68\x50"  # GS h 80
        b"\x1d\x77\x02"  # GS w 2
        b"\x1d\x48\x02"  # GS H 2: text below
        b"\x1d\x66\x00"  # GS f 0
        b"\x1d\x6b\x49\x0a{BR-000123"  # GS k 73 n {B data
    )


def test_qr_code_model2_size_level_m():
    data = "https://kasse.example/r/42"
    store_len = len(data) + 3
    assert r.qr_code(data, size=6, error_level="M") == (
        b"\x1d\x28\x6b\x04\x00\x31\x41\x32\x00"  # model 2
        b"\x1d\x28\x6b\x03\x00\x31\x43\x06"  # module size 6
        b"\x1d\x28\x6b\x03\x00\x31\x45\x31"  # error level M
        + b"\x1d\x28\x6b" + bytes([store_len, 0]) + b"\x31\x50\x30" + data.encode()
        + b"\x1d\x28\x6b\x03\x00\x31\x51\x30"  # print
    )  # fmt: skip


def test_raster_image_bits_black_is_one():
    img = Image.new("1", (10, 2), 1)  # white
    img.putpixel((0, 0), 0)
    img.putpixel((9, 1), 0)
    out = r.raster_image(img, max_width=384)
    assert out == b"\x1d\x76\x30\x00\x02\x00\x02\x00" + bytes([0x80, 0x00, 0x00, 0x40])


def test_raster_image_is_scaled_to_paper_width():
    out = r.raster_image(Image.new("L", (1000, 100), 0), max_width=384)
    assert out[:8] == b"\x1d\x76\x30\x00" + bytes([48, 0]) + bytes([38, 0])


def test_tall_image_is_sent_in_bands():
    out = r.raster_image(Image.new("1", (8, 300), 0), max_width=384)
    assert out.count(b"\x1d\x76\x30\x00") == 2


def test_text_styles_are_set_and_reset():
    doc = ReceiptDocument().text("Summe", bold=True, align=Align.RIGHT, double_width=True, double_height=True)
    doc.text("Danke")
    assert r.render(doc, HPRT_TP808) == (
        b"\x1b@\x1bt\x13\x1ba\x02\x1bE\x01\x1d!\x11Summe\n\x1ba\x00\x1bE\x00\x1d!\x00Danke\n"
    )


def test_whole_document_layout():
    doc = (
        ReceiptDocument()
        .separator("=")
        .columns("Brot", "2,50 €")
        .barcode("R1")
        .qr("x", size=4, error_level=QRErrorLevel.H)
        .feed(2)
        .cut(partial=True)
    )
    out = r.render(doc, EPSON_TM_T88)
    assert out.startswith(b"\x1b@\x1bt\x13" + b"=" * 42 + b"\n" + b"Brot" + b" " * 32 + b"2,50 \xd5\n")
    assert b"\x1d\x6b\x49\x04{BR1\n" in out
    assert b"\x1d\x28\x6b\x03\x00\x31\x45\x33" in out
    # GS V 66 n: the printer feeds the last line to its cutter plus n (3 mm at 180 dpi = 21 units), partial cut
    assert out.endswith(b"\x1bd\x02\x1dVB\x15\x1ba\x00")


def test_no_cut_command_for_printers_without_cutter():
    out = r.render(ReceiptDocument().cut(), GENERIC_58)
    assert b"\x1dV" not in out
    assert out.endswith(b"\x1bd\x05")  # fed to the tear bar (the profile's tear_feed_lines)


def test_control_characters_in_text_are_not_sent():
    out = r.render(ReceiptDocument().text("A\x1b@B\x07"), GENERIC_58)
    assert out == b"\x1b@\x1bt\x13A@B\n"


def test_feed_and_cut_commands():
    assert r.feed_and_cut() == b"\x1dVA\x00"
    assert r.feed_and_cut(partial=True, units=40) == b"\x1dVB\x28"
    assert r.feed_and_cut(units=999) == b"\x1dVA\xff"


def test_code_page_override_selects_another_table_and_codec():
    from kasse.hardware.printers.profiles import get_profile

    profile = get_profile("hprt-tp808", codepage="cp1252-16")
    assert (profile.codec, profile.codepage_number, profile.columns) == ("cp1252", 16, 48)
    out = r.render(ReceiptDocument().text("5 €"), profile)
    assert out == b"\x1b@\x1bt\x105 \x80\n"
    no_euro = r.render(ReceiptDocument().text("5 €"), get_profile("hprt-tp808", codepage="cp437-0"))
    assert no_euro == b"\x1b@\x1bt\x005 EUR\n"
