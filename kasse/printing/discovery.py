"""What is plugged into the machine a store node runs on: USB devices and serial ports, for ``kasse store
devices``. USB and serial discovery belongs to the node the printer is attached to; the cloud never lists
its own bus for a store (docs/architecture.md, "Printing")."""

from __future__ import annotations


def serial_ports() -> list[tuple[str, str]]:
    """(device, description) of every serial port pyserial sees, e.g. ("/dev/ttyUSB0", "USB-Serial")."""
    try:
        from serial.tools import list_ports
    except ImportError:  # pragma: no cover - pyserial is a dependency
        return []
    return sorted((port.device, port.description or "") for port in list_ports.comports())


def local_devices_text() -> str:
    """A plain listing for the terminal (English, like the other ``kasse store`` output)."""
    from kasse.hardware.discovery.usb_enum import list_usb_devices

    lines = ["USB devices (connection USB: vendor id and product id):"]
    found = list_usb_devices()
    for device in found.devices:
        name = " ".join(part for part in (device.vendor_name or device.manufacturer, device.product) if part)
        lines.append(f"  {device.vendor_id:04x} {device.product_id:04x}  {device.kind:<16} {name}".rstrip())
    if not found.devices:
        lines.append(f"  none ({found.reason})")
    lines.append("Serial ports (connection serial: device):")
    ports = serial_ports()
    lines.extend(f"  {device}  {description}".rstrip() for device, description in ports)
    if not ports:
        lines.append("  none")
    return "\n".join(lines) + "\n"
