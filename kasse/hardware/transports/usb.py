"""USB printers through pyusb (libusb): find by vendor/product id, claim the printer interface, bulk endpoints.

Linux's `usblp` driver may hold the device ("Resource busy"); we detach it for the duration of the job,
or use `/dev/usb/lp0` with the device file transport instead.
"""

from __future__ import annotations

from typing import Any

from kasse.hardware.transports.base import DEFAULT_TIMEOUT, Transport, TransportError

PRINTER_CLASS = 7
EPSON_VENDOR_ID = 0x04B8


def _import_usb() -> Any:
    try:
        import usb.core
        import usb.util
    except ImportError as exc:
        raise TransportError("USB printing needs pyusb (pip install pyusb) and libusb") from exc
    return usb


class UsbTransport(Transport):
    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        *,
        serial_number: str | None = None,
        interface: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(timeout)
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.serial_number = serial_number
        self.interface = interface
        self._device: Any = None
        self._ep_out: Any = None
        self._ep_in: Any = None
        self._claimed: int | None = None
        self._reattach = False

    @property
    def description(self) -> str:
        return f"usb://{self.vendor_id:04x}:{self.product_id:04x}"

    @property
    def is_open(self) -> bool:
        return self._device is not None

    def _find(self, usb: Any) -> Any:
        try:
            devices = list(usb.core.find(find_all=True, idVendor=self.vendor_id, idProduct=self.product_id))
        except usb.core.NoBackendError as exc:
            raise TransportError(f"{self.description}: libusb is not installed (apt install libusb-1.0-0)") from exc
        if self.serial_number is not None:
            devices = [d for d in devices if _safe_serial(usb, d) == self.serial_number]
        if not devices:
            raise TransportError(f"{self.description}: no such USB device (unplugged or switched off?)")
        return devices[0]

    def open(self) -> None:
        if self._device is not None:
            return
        usb = _import_usb()
        device = self._find(usb)
        try:
            try:
                config = device.get_active_configuration()
            except usb.core.USBError:
                device.set_configuration()
                config = device.get_active_configuration()
            intf = self._pick_interface(config)
            number = intf.bInterfaceNumber
            try:
                if device.is_kernel_driver_active(number):
                    device.detach_kernel_driver(number)
                    self._reattach = True
            except (NotImplementedError, usb.core.USBError):
                pass  # not supported on this platform, or no driver bound
            usb.util.claim_interface(device, number)
            self._claimed = number
        except usb.core.USBError as exc:
            raise TransportError(
                f"{self.description}: cannot claim the printer ({exc}); busy with usblp or missing permissions (udev)"
            ) from exc
        self._ep_out = usb.util.find_descriptor(
            intf, custom_match=lambda e: usb.util.endpoint_direction(e.bEndpointAddress) == usb.util.ENDPOINT_OUT
        )
        self._ep_in = usb.util.find_descriptor(
            intf, custom_match=lambda e: usb.util.endpoint_direction(e.bEndpointAddress) == usb.util.ENDPOINT_IN
        )
        self._device = device
        if self._ep_out is None:
            self.close()
            raise TransportError(f"{self.description}: the printer interface has no OUT endpoint")

    def _pick_interface(self, config: Any) -> Any:
        interfaces = list(config)
        if self.interface is not None:
            for intf in interfaces:
                if intf.bInterfaceNumber == self.interface:
                    return intf
            raise TransportError(f"{self.description}: no interface {self.interface}")
        for intf in interfaces:
            if intf.bInterfaceClass == PRINTER_CLASS:
                return intf
        if not interfaces:
            raise TransportError(f"{self.description}: the device has no interfaces")
        return interfaces[0]  # vendor-specific class on some cheap printers

    def write(self, data: bytes) -> None:
        if self._device is None or self._ep_out is None:
            raise TransportError(f"{self.description}: not open")
        usb = _import_usb()
        try:
            written = self._ep_out.write(data, int(self.timeout * 1000))
        except usb.core.USBTimeoutError as exc:
            raise TransportError(f"{self.description}: timed out after {self.timeout:g} s while sending") from exc
        except usb.core.USBError as exc:
            self.close()
            raise TransportError(f"{self.description}: write failed ({exc}); unplugged?") from exc
        if written != len(data):
            raise TransportError(f"{self.description}: only {written} of {len(data)} bytes sent")

    def read(self, size: int = 1, timeout: float | None = None) -> bytes:
        if self._device is None:
            raise TransportError(f"{self.description}: not open")
        if self._ep_in is None:
            return b""
        usb = _import_usb()
        wait = self.timeout if timeout is None else timeout
        try:
            data = self._ep_in.read(max(size, self._ep_in.wMaxPacketSize), max(1, int(wait * 1000)))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            self.close()
            raise TransportError(f"{self.description}: read failed ({exc})") from exc
        return bytes(data)[:size] if size else bytes(data)

    def close(self) -> None:
        device, self._device = self._device, None
        self._ep_in = self._ep_out = None
        if device is None:
            return
        try:
            usb = _import_usb()
            if self._claimed is not None:
                usb.util.release_interface(device, self._claimed)
                if self._reattach:
                    device.attach_kernel_driver(self._claimed)
            usb.util.dispose_resources(device)
        except Exception:  # noqa: S110 - best effort; the device may be gone
            pass
        self._claimed = None
        self._reattach = False


def _safe_serial(usb: Any, device: Any) -> str | None:
    try:
        return usb.util.get_string(device, device.iSerialNumber)
    except Exception:
        return None
