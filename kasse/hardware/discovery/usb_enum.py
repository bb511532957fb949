"""List USB devices with pyusb and say which look like receipt/label printers or HID scanners.

Classification uses the vendor id (a short list of POS vendors) and the interface classes
(7 = printer, 3 = HID). Manufacturer and product strings need permission to open the device; when
they cannot be read they stay empty. When pyusb or a libusb backend is missing, the result is an
empty list with the reason, never an exception: the "Devices" page shows the reason instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

USB_CLASS_HID = 3
USB_CLASS_PRINTER = 7

RECEIPT_PRINTER_VENDORS = {
    0x04B8: "Epson",
    0x20D1: "HPRT",
    0x0519: "Star Micronics",
    0x1504: "Bixolon",
    0x1D90: "Citizen",
}
LABEL_PRINTER_VENDORS = {0x0A5F: "Zebra"}
SCANNER_VENDORS = {
    0x0C2E: "Honeywell (Metrologic)",
    0x05E0: "Zebra (Symbol)",
    0x05F9: "Datalogic",
}


@dataclass(frozen=True)
class UsbDevice:
    vendor_id: int
    product_id: int
    kind: str  # "receipt_printer", "label_printer", "printer", "scanner", "hid", "other"
    vendor_name: str = ""
    manufacturer: str = ""
    product: str = ""
    serial_number: str = ""
    bus: int | None = None
    address: int | None = None
    interface_classes: tuple[int, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"


@dataclass
class UsbEnumeration:
    devices: list[UsbDevice] = field(default_factory=list)
    reason: str = ""  # set when the list is empty or incomplete for a known reason
    code: str = ""  # the reason as a word the caller can translate: no_pyusb, no_backend, failed, none_visible


def classify(vendor_id: int, interface_classes: tuple[int, ...]) -> tuple[str, str]:
    """(kind, vendor name) from the vendor id and the interface classes."""
    printer = USB_CLASS_PRINTER in interface_classes
    hid = USB_CLASS_HID in interface_classes
    if vendor_id in RECEIPT_PRINTER_VENDORS:
        return ("receipt_printer" if printer or not hid else "hid"), RECEIPT_PRINTER_VENDORS[vendor_id]
    if vendor_id in LABEL_PRINTER_VENDORS and printer:
        return "label_printer", LABEL_PRINTER_VENDORS[vendor_id]
    if vendor_id in SCANNER_VENDORS:
        return ("scanner" if hid or not printer else "other"), SCANNER_VENDORS[vendor_id]
    if printer:
        return "printer", LABEL_PRINTER_VENDORS.get(vendor_id, "")
    if hid:
        return "hid", ""
    return "other", ""


def _interface_classes(device: Any) -> tuple[int, ...]:
    classes = {int(device.bDeviceClass)} if getattr(device, "bDeviceClass", 0) else set()
    try:
        for configuration in device:
            for interface in configuration:
                classes.add(int(interface.bInterfaceClass))
    except Exception as exc:  # descriptors usually come from sysfs; some backends need access
        logger.debug("cannot read interfaces of %04x:%04x: %s", device.idVendor, device.idProduct, exc)
    return tuple(sorted(classes))


def _string(device: Any, index_name: str) -> str:
    index = getattr(device, index_name, 0)
    if not index:
        return ""
    try:
        import usb.util

        return usb.util.get_string(device, index) or ""
    except Exception:  # no permission to open the device, or it does not answer
        return ""


def list_usb_devices(*, max_devices: int = 128) -> UsbEnumeration:
    try:
        import usb.core
    except ImportError:
        return UsbEnumeration([], "pyusb is not installed (pip install pyusb)", "no_pyusb")
    try:
        found = list(usb.core.find(find_all=True) or [])
    except usb.core.NoBackendError:
        return UsbEnumeration(
            [], "no libusb backend found (install libusb-1.0, e.g. apt install libusb-1.0-0)", "no_backend"
        )
    except Exception as exc:
        return UsbEnumeration([], f"USB enumeration failed: {exc}", "failed")
    devices = []
    for device in found[:max_devices]:
        classes = _interface_classes(device)
        kind, vendor_name = classify(int(device.idVendor), classes)
        devices.append(
            UsbDevice(
                vendor_id=int(device.idVendor),
                product_id=int(device.idProduct),
                kind=kind,
                vendor_name=vendor_name,
                manufacturer=_string(device, "iManufacturer"),
                product=_string(device, "iProduct"),
                serial_number=_string(device, "iSerialNumber"),
                bus=getattr(device, "bus", None),
                address=getattr(device, "address", None),
                interface_classes=classes,
            )
        )
    if devices:
        return UsbEnumeration(devices)
    return UsbEnumeration(
        [], "no USB devices visible (none attached, or /dev/bus/usb is not available here)", "none_visible"
    )
