"""Byte transports to devices, one per file: TCP, serial, USB, device file, Bluetooth RFCOMM."""

from kasse.hardware.transports.base import Transport, TransportError

__all__ = ["Transport", "TransportError"]
