"""Customer displays: the `CustomerDisplay` interface, an Epson DM-D compatible 2×20 pole display, a virtual one."""

from kasse.hardware.displays.base import CustomerDisplay, format_price

__all__ = ["CustomerDisplay", "format_price"]
