"""Pole display: exact DM-D bytes, German prices, truncation, and the virtual display reading them back."""

from decimal import Decimal

import pytest

from kasse.hardware.displays.base import format_price
from kasse.hardware.displays.pole_display import PC858, PoleDisplay, to_ascii
from kasse.hardware.displays.virtual_pole_display import PoleDisplayParser, VirtualPoleDisplay


class Sink:
    """Any object with write() is a transport for the display."""

    def __init__(self):
        self.data = bytearray()

    def write(self, data):
        self.data += data
        return len(data)


def shown(data: bytes) -> tuple[str, ...]:
    parser = PoleDisplayParser()
    parser.feed(data)
    assert parser.unknown == []
    return parser.lines


def test_initialise_clear_and_brightness_bytes():
    sink = Sink()
    display = PoleDisplay(sink)

    display.initialise()
    display.clear()
    display.set_brightness(2)

    assert bytes(sink.data) == (
        b"\x1b\x40"  # ESC @
        b"\x1f\x01"  # US MD1 overwrite
        b"\x1f\x43\x00"  # US C 0 cursor off
        b"\x1b\x74\x13"  # ESC t 19 PC858
        b"\x0c"  # CLR
        b"\x1f\x58\x02"  # US X 2
    )


def test_two_lines_are_positioned_and_padded_to_20_columns():
    sink = Sink()

    PoleDisplay(sink).show("Hallo", "Welt")

    assert bytes(sink.data) == (b"\x1f\x24\x01\x01" + b"Hallo" + b" " * 15 + b"\x1f\x24\x01\x02" + b"Welt" + b" " * 16)


def test_umlauts_and_euro_use_pc858_bytes():
    sink = Sink()
    display = PoleDisplay(sink)
    display.initialise()
    sink.data.clear()

    display.show_item("Brötchen", Decimal("0.45"))

    assert bytes(sink.data) == (b"\x1f$\x01\x01Br\x94tchen" + b" " * 12 + b"\x1f$\x01\x02" + b" " * 14 + b"0,45 \xd5")


def test_ascii_display_transliterates():
    sink = Sink()
    display = PoleDisplay(sink, code_page=None)

    display.initialise()
    display.show_item("Süßwaren Größe XL", Decimal("2.5"))

    assert b"\x1bt" not in sink.data
    assert shown(bytes(sink.data)) == ("Suesswaren Groesse. ", "            2,50 EUR")
    assert to_ascii("Café – 5 €") == "Cafe - 5 EUR"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1.99"), "1,99"),
        (Decimal("0.5"), "0,50"),
        (Decimal("1234.565"), "1.234,57"),
        (Decimal("1000000"), "1.000.000,00"),
        (Decimal("-3.2"), "-3,20"),
        (Decimal("0"), "0,00"),
    ],
)
def test_german_price_formatting(amount, text):
    assert format_price(amount) == text


def test_item_total_and_change_layout():
    sink = Sink()
    display = PoleDisplay(sink)
    display.initialise()

    display.show_item("Bio-Vollmilch 3,8 % Fett 1 Liter", Decimal("1.19"))
    assert shown(bytes(sink.data)) == ("Bio-Vollmilch 3,8 %.", "              1,19 €")

    display.show_item("Äpfel Elstar", Decimal("0.79"), quantity=3)
    assert shown(bytes(sink.data)) == ("Äpfel Elstar        ", "3 x 0,79      2,37 €")

    display.show_total(Decimal("1234.5"))
    assert shown(bytes(sink.data)) == ("Summe               ", "          1.234,50 €")

    display.show_change(Decimal("20"), Decimal("3.51"))
    assert shown(bytes(sink.data)) == ("Gegeben      20,00 €", "Rückgeld      3,51 €")


def test_every_line_is_exactly_20_columns_even_for_huge_amounts():
    display = PoleDisplay(Sink())
    line = display.left_right("Sehr langer Artikelname", display.money(Decimal("123456789.99")))
    assert len(line) == 20
    assert line.endswith("123.456.789,99 €")


def test_out_of_range_commands_are_refused():
    display = PoleDisplay(Sink())
    with pytest.raises(ValueError, match="1..4"):
        display.set_brightness(9)


def test_virtual_display_over_a_pty_shows_what_the_serial_display_sent():
    with VirtualPoleDisplay() as virtual:
        display = PoleDisplay.serial(virtual.port, code_page=PC858)
        try:
            display.initialise()
            display.show_item("Käse Gouda mittelalt", Decimal("3.49"))
            assert virtual.wait_for(lambda lines: lines[0].startswith("Käse"))
            assert virtual.lines == ("Käse Gouda mittelalt", "              3,49 €")

            display.set_brightness(1)
            display.clear()
            assert virtual.wait_for(lambda lines: lines == (" " * 20, " " * 20))
            assert virtual.parser.brightness == 1
        finally:
            display.close()


def test_parser_handles_commands_split_across_writes():
    parser = PoleDisplayParser()
    data = b"\x1b@\x1bt\x13\x1f$\x05\x02\xd5 5"
    for index in range(len(data)):
        parser.feed(data[index : index + 1])
    assert parser.lines == (" " * 20, "    € 5" + " " * 13)
