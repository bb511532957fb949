"""Scanners and pole displays a store node drives, each bound to one register of its store.

Both are configuration the back office edits in the cloud; they sync down to the store's node,
where :class:`kasse.peripherals.runner.PeripheralRunner` opens them. What the runner sees (connected,
the last scan or text shown, the last error) it keeps in ``ScannerState`` and ``PoleDisplayState``, whose
id is the device's id; on a node they go up to the cloud (:mod:`kasse.sync.engine.device_states`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel


class ScannerConnection(models.TextChoices):
    SERIAL = "serial", _("Serial port (RS-232, USB CDC, Bluetooth SPP)")
    EVDEV = "evdev", _("USB keyboard scanner on Linux (evdev)")
    VIRTUAL = "virtual", _("Virtual scanner (pseudo terminal, for tests and the demo)")


class CodePageChoice(models.TextChoices):
    PC858 = "pc858", _("PC858 (umlauts and €)")
    PC850 = "pc850", _("PC850 (umlauts, no €)")
    PC437 = "pc437", _("PC437 (umlauts, no €)")
    WPC1252 = "wpc1252", _("Windows-1252")
    ASCII = "ascii", _("Plain ASCII (ä becomes ae, € becomes EUR)")


class Scanner(OrganizationScopedModel):
    """A barcode scanner attached to the store node; its scans go to the cart of ``register``."""

    store = models.ForeignKey(
        "tenancy.Store", on_delete=models.PROTECT, related_name="scanners", verbose_name=_("store")
    )
    register = models.ForeignKey(
        "tenancy.Register", on_delete=models.PROTECT, related_name="scanners", verbose_name=_("register")
    )
    name = models.CharField(_("name"), max_length=120)
    connection = models.CharField(
        _("connection"), max_length=10, choices=ScannerConnection.choices, default=ScannerConnection.SERIAL
    )
    serial_device = models.CharField(
        _("serial device"),
        max_length=255,
        blank=True,
        help_text=_("e.g. /dev/serial/by-id/usb-…, /dev/ttyACM0, /dev/rfcomm0"),
    )
    baud_rate = models.PositiveIntegerField(_("baud rate"), default=9600)
    input_device = models.CharField(
        _("input device"),
        max_length=255,
        blank=True,
        help_text=_("The scanner's stable path under /dev/input/by-id/ (it survives replugging)"),
    )
    strip_symbology_id = models.BooleanField(
        _("remove symbology identifiers"),
        default=True,
        help_text=_("The scanner sends an AIM identifier such as ]E0 before each code; remove it."),
    )
    gs_substitute = models.CharField(
        _("group separator replacement"),
        max_length=8,
        blank=True,
        help_text=_("Text the scanner sends instead of the GS1 group separator (e.g. ^]); empty: none."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scanner")
        verbose_name_plural = _("scanners")
        ordering = ["store__number", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        if self.connection == ScannerConnection.SERIAL:
            return f"{self.serial_device} @ {self.baud_rate}"
        if self.connection == ScannerConnection.EVDEV:
            return self.input_device
        return "pty"


class PoleDisplay(OrganizationScopedModel):
    """A 2×20 customer pole display (Epson DM-D command set, serial) showing ``register``'s cart.

    ``test_requested_at`` is set by the back office's "test" button; it syncs down like any other
    change and the node's runner shows a test text when it sees a new value.
    """

    store = models.ForeignKey(
        "tenancy.Store", on_delete=models.PROTECT, related_name="pole_displays", verbose_name=_("store")
    )
    register = models.ForeignKey(
        "tenancy.Register", on_delete=models.PROTECT, related_name="pole_displays", verbose_name=_("register")
    )
    name = models.CharField(_("name"), max_length=120)
    serial_device = models.CharField(
        _("serial device"), max_length=255, help_text=_("e.g. /dev/serial/by-id/usb-…, /dev/ttyUSB0")
    )
    baud_rate = models.PositiveIntegerField(_("baud rate"), default=9600)
    code_page = models.CharField(
        _("character set"), max_length=8, choices=CodePageChoice.choices, default=CodePageChoice.PC858
    )
    is_active = models.BooleanField(_("active"), default=True)
    test_requested_at = models.DateTimeField(_("test requested"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("pole display")
        verbose_name_plural = _("pole displays")
        ordering = ["store__number", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return f"{self.serial_device} @ {self.baud_rate}"


class DeviceHealth(models.TextChoices):
    CONNECTED = "connected", _("connected")
    DISCONNECTED = "disconnected", _("disconnected")
    ERROR = "error", _("cannot be opened")


class DeviceState(OrganizationScopedModel):
    """What the runner last saw of a device; older than 90 s counts as unknown (nobody is driving it)."""

    state = models.CharField(max_length=12, choices=DeviceHealth.choices, default=DeviceHealth.DISCONNECTED)
    detail = models.CharField(max_length=300, blank=True)
    last_at = models.DateTimeField(null=True, blank=True)  # the last scan, or the last text shown
    checked_at = models.DateTimeField()

    class Meta:
        abstract = True


class ScannerState(DeviceState):
    """A scanner's state; its id is the scanner's id, so a node's row meets the cloud's row of the scanner."""

    scanner = models.OneToOneField(Scanner, on_delete=models.CASCADE, related_name="state")
    last_code = models.CharField(max_length=200, blank=True)
    port = models.CharField(max_length=255, blank=True)  # the pty of a virtual scanner, on the machine running it


class PoleDisplayState(DeviceState):
    """A pole display's state and the two lines it shows; its id is the display's id."""

    display = models.OneToOneField(PoleDisplay, on_delete=models.CASCADE, related_name="state")
    line1 = models.CharField(max_length=40, blank=True)
    line2 = models.CharField(max_length=40, blank=True)
