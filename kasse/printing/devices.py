"""From a ``Printer`` row to the hardware library: its transport, its status, its bytes.

Everything protocol-specific lives in :mod:`kasse.hardware`; this module only picks the parts
that fit a printer's configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from kasse.hardware.labels.status import STATUS_QUERY as LABEL_STATUS_QUERY
from kasse.hardware.labels.status import (
    ZPL_STATUS_QUERY,
    LabelStatus,
    parse_label_status,
    parse_zpl_host_status,
    read_zpl_host_status,
)
from kasse.hardware.printers.escpos_printer import EscPosPrinter
from kasse.hardware.printers.status import Health as HwHealth
from kasse.hardware.transports.base import Transport, TransportError
from kasse.printing.models import Connection, FlowControl, Health, LabelLanguage, Printer, PrinterKind

STATUS_TIMEOUT = 0.5  # seconds per status query; a printer that answers does so within milliseconds
SEND_TIMEOUT = 10.0  # a 2 KB receipt takes well under a second even at 9600 baud


class ConfigurationError(Exception):
    """The printer's settings cannot work (unknown profile, bad address); retrying will not help."""


@dataclass(frozen=True)
class DeviceStatus:
    """What the printer said, in the shape ``PrinterState`` stores."""

    health: str
    reachable: bool
    online: bool | None = None
    cover_open: bool | None = None
    paper_near_end: bool | None = None
    paper_out: bool | None = None
    error: bool | None = None
    drawer_open: bool | None = None
    detail: str = ""

    @property
    def ready(self) -> bool:
        """Answered, and able to print (paper near end still prints)."""
        return self.reachable and self.health in (Health.OK, Health.WARNING)

    @classmethod
    def unreachable(cls, detail: str) -> DeviceStatus:
        return cls(health=Health.UNKNOWN, reachable=False, detail=detail[:300])


def asks_status(printer: Printer) -> bool:
    """Whether the worker asks before and after each job (DLE EOT, TSPL ``ESC ! ?``, ZPL ``~HS``)."""
    return printer.query_status


def transport_for(printer: Printer) -> Transport:
    """A closed transport to ``printer``; raises ``ConfigurationError`` for settings that cannot work."""
    try:
        if printer.connection == Connection.TCP:
            from kasse.hardware.transports.tcp import TcpTransport

            if not printer.host:
                raise ConfigurationError("no host")
            return TcpTransport(printer.host, printer.port, timeout=SEND_TIMEOUT, connect_timeout=3.0)
        if printer.connection == Connection.SERIAL:
            from kasse.hardware.transports.serial_port import SerialTransport

            return SerialTransport(
                printer.serial_device,
                printer.baud_rate,
                timeout=SEND_TIMEOUT,
                xonxoff=printer.flow_control == FlowControl.XON_XOFF,
                rtscts=printer.flow_control == FlowControl.RTS_CTS,
            )
        if printer.connection == Connection.USB:
            from kasse.hardware.transports.usb import UsbTransport

            return UsbTransport(int(printer.usb_vendor_id, 16), int(printer.usb_product_id, 16), timeout=SEND_TIMEOUT)
        if printer.connection == Connection.DEVICE_FILE:
            from kasse.hardware.transports.device_file import DeviceFileTransport

            return DeviceFileTransport(printer.device_path, timeout=SEND_TIMEOUT)
        if printer.connection == Connection.BLUETOOTH:
            from kasse.hardware.transports.bluetooth import BluetoothTransport

            return BluetoothTransport(printer.bluetooth_address, printer.bluetooth_channel, timeout=SEND_TIMEOUT)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc
    raise ConfigurationError(f"unknown connection {printer.connection!r}")


def escpos_printer(printer: Printer, transport: Transport) -> EscPosPrinter:
    try:
        profile = printer.hardware_profile
    except KeyError as exc:
        raise ConfigurationError(str(exc)) from exc
    return EscPosPrinter(transport, profile, status_timeout=STATUS_TIMEOUT)


def query_status(printer: Printer, transport: Transport) -> DeviceStatus:
    """Ask the printer over an open transport; never raises."""
    if printer.kind == PrinterKind.RECEIPT:
        try:
            status = escpos_printer(printer, transport).status()
        except ConfigurationError as exc:
            return DeviceStatus.unreachable(str(exc))
        if not transport.is_open:  # the link broke while asking
            return DeviceStatus.unreachable(status.detail or "connection lost")
        health = {HwHealth.OK: Health.OK, HwHealth.WARNING: Health.WARNING, HwHealth.FAULT: Health.FAULT}.get(
            status.health, Health.UNKNOWN
        )
        return DeviceStatus(
            health=health,
            reachable=True,
            online=status.online,
            cover_open=status.cover_open,
            paper_near_end=status.paper_near_end,
            paper_out=status.paper_out,
            error=status.error,
            drawer_open=status.drawer_open,
            detail=status.detail[:300],
        )
    label: LabelStatus
    try:
        if printer.label_language == LabelLanguage.ZPL:
            transport.write(ZPL_STATUS_QUERY)
            label = parse_zpl_host_status(read_zpl_host_status(transport, STATUS_TIMEOUT))
        else:
            transport.write(LABEL_STATUS_QUERY)
            label = parse_label_status(transport.read(1, timeout=STATUS_TIMEOUT))
    except TransportError as exc:
        return DeviceStatus.unreachable(str(exc))
    if not label.known:
        return DeviceStatus(health=Health.UNKNOWN, reachable=True, detail=label.detail)
    # A paused label printer keeps what it gets until somebody presses the button: shown and handled as offline.
    return DeviceStatus(
        health=Health.OK if label.ready else Health.FAULT,
        reachable=True,
        online=not label.paused,
        cover_open=label.head_open,
        paper_out=label.paper_out,
        error=label.error,
        paper_near_end=False,
        detail=label.detail,
    )


def check_status(printer: Printer, transport: Transport | None = None) -> DeviceStatus:
    """Connect, ask, disconnect (the worker's idle poll and the back office's "check now")."""
    try:
        transport = transport or transport_for(printer)
    except ConfigurationError as exc:
        return DeviceStatus.unreachable(str(exc))
    try:
        transport.open()
    except TransportError as exc:
        return DeviceStatus.unreachable(str(exc))
    try:
        return query_status(printer, transport)
    finally:
        transport.close()
