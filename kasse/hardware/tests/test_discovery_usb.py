"""USB enumeration never raises; POS vendors and interface classes are classified."""

from kasse.hardware.discovery.usb_enum import UsbEnumeration, classify, list_usb_devices


def test_usb_enumeration_returns_a_list_without_raising():
    result = list_usb_devices()

    assert isinstance(result, UsbEnumeration)
    assert isinstance(result.devices, list)
    assert result.devices or result.reason


def test_usb_classification_of_pos_vendors():
    assert classify(0x04B8, (7,)) == ("receipt_printer", "Epson")
    assert classify(0x20D1, ()) == ("receipt_printer", "HPRT")
    assert classify(0x0C2E, (3,)) == ("scanner", "Honeywell (Metrologic)")
    assert classify(0x1234, (7,)) == ("printer", "")
    assert classify(0x1234, (3,)) == ("hid", "")
    assert classify(0x1234, (9,)) == ("other", "")
