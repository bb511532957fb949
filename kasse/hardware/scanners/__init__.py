"""Barcode scanners on the store node: serial/CDC/Bluetooth SPP (pyserial), USB HID (evdev), a virtual pty scanner."""

from kasse.hardware.scanners.base import CodeCleanup, ScanEvent, Scanner, ScannerError, clean_code

__all__ = ["CodeCleanup", "ScanEvent", "Scanner", "ScannerError", "clean_code"]
