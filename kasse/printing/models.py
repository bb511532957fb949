"""Printers of a store, which register prints where, the print queue and the last known printer status.

A ``Printer`` is configuration (the back office edits it). A ``PrintJob`` is one thing to print, kept
in the database so that nothing is lost when the printer is off, out of paper or the process stops;
the worker on the store node (:mod:`kasse.printing.worker`) sends the jobs of each printer in order.
``PrinterState`` is what the worker saw last time it asked the printer (DLE EOT), shown on the
register and in the back office.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel
from kasse.hardware.printers.profiles import CODE_PAGES, PROFILES, PrinterProfile, get_profile


class PrinterKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt printer")
    LABEL = "label", _("Label printer")


class Connection(models.TextChoices):
    TCP = "tcp", _("Network (TCP, port 9100)")
    SERIAL = "serial", _("Serial port")
    USB = "usb", _("USB")
    DEVICE_FILE = "device_file", _("Device file (/dev/usb/lp0, /dev/rfcomm0)")
    BLUETOOTH = "bluetooth", _("Bluetooth (RFCOMM)")


class LabelLanguage(models.TextChoices):
    TSPL = "tspl", "TSPL (TSC)"
    ZPL = "zpl", "ZPL II (Zebra)"


class FlowControl(models.TextChoices):
    """Handshake on a serial line (passed to pyserial): printers with a small buffer stop the sender."""

    NONE = "none", _("none")
    XON_XOFF = "xonxoff", _("XON/XOFF (software)")
    RTS_CTS = "rtscts", _("RTS/CTS (hardware)")


PROFILE_CHOICES = [(key, profile.name) for key, profile in PROFILES.items()]
CODEPAGE_CHOICES = [
    ("", _("as the printer model says (PC858 with €)")),
    *((key, page.name) for key, page in CODE_PAGES.items()),
]

# Which settings belong to which connection and kind: the form shows only these, the rest keep their values.
CONNECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "tcp": ("host", "port"),
    "serial": ("serial_device", "baud_rate", "flow_control"),
    "usb": ("usb_vendor_id", "usb_product_id"),
    "device_file": ("device_path",),
    "bluetooth": ("bluetooth_address", "bluetooth_channel"),
}
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "receipt": ("profile", "codepage", "drawer_on_cash"),
    "label": ("label_language", "label_width_mm", "label_height_mm"),
}


class Printer(OrganizationScopedModel):
    """A receipt or label printer of a store and how the store node reaches it."""

    store = models.ForeignKey(
        "tenancy.Store", on_delete=models.PROTECT, related_name="printers", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=PrinterKind.choices, default=PrinterKind.RECEIPT)
    connection = models.CharField(_("connection"), max_length=12, choices=Connection.choices, default=Connection.TCP)
    host = models.CharField(_("host"), max_length=255, blank=True, help_text=_("IP address or host name"))
    port = models.PositiveIntegerField(_("port"), default=9100)
    serial_device = models.CharField(_("serial device"), max_length=255, blank=True, help_text=_("e.g. /dev/ttyUSB0"))
    baud_rate = models.PositiveIntegerField(_("baud rate"), default=9600)
    flow_control = models.CharField(
        _("flow control"), max_length=8, choices=FlowControl.choices, default=FlowControl.NONE
    )
    usb_vendor_id = models.CharField(_("USB vendor id"), max_length=4, blank=True, help_text=_("4 hex digits"))
    usb_product_id = models.CharField(_("USB product id"), max_length=4, blank=True, help_text=_("4 hex digits"))
    device_path = models.CharField(_("device file"), max_length=255, blank=True, help_text=_("e.g. /dev/usb/lp0"))
    bluetooth_address = models.CharField(
        _("Bluetooth address"), max_length=17, blank=True, help_text=_("AA:BB:CC:DD:EE:FF")
    )
    bluetooth_channel = models.PositiveSmallIntegerField(_("RFCOMM channel"), default=1)
    profile = models.CharField(_("printer model"), max_length=32, choices=PROFILE_CHOICES, default="epson-tm-t20")
    codepage = models.CharField(
        _("code page"),
        max_length=16,
        choices=CODEPAGE_CHOICES,
        blank=True,
        default="",
        help_text=_("Change it only if the test page prints wrong characters for ä, ö, ü, ß or €."),
    )
    label_language = models.CharField(
        _("label language"), max_length=4, choices=LabelLanguage.choices, default=LabelLanguage.TSPL
    )
    label_width_mm = models.DecimalField(_("label width (mm)"), max_digits=5, decimal_places=1, default=50)
    label_height_mm = models.DecimalField(_("label height (mm)"), max_digits=5, decimal_places=1, default=30)
    query_status = models.BooleanField(
        _("ask for status"),
        default=True,
        help_text=_(
            "Ask the printer for its status before and after each job (off for printers that never "
            "answer, e.g. a write-only device file)."
        ),
    )
    drawer_on_cash = models.BooleanField(
        _("open the drawer for cash"),
        default=True,
        help_text=_("Receipt printers: the cash drawer on this printer opens when a receipt with cash is printed."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("printer")
        verbose_name_plural = _("printers")
        ordering = ["store__number", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        """Where the printer is, as the back office shows it."""
        if self.connection == Connection.TCP:
            return f"{self.host}:{self.port}"
        if self.connection == Connection.SERIAL:
            return f"{self.serial_device} @ {self.baud_rate}"
        if self.connection == Connection.USB:
            return f"USB {self.usb_vendor_id}:{self.usb_product_id}"
        if self.connection == Connection.DEVICE_FILE:
            return self.device_path
        return f"{self.bluetooth_address} / {self.bluetooth_channel}"

    @property
    def hardware_profile(self) -> PrinterProfile:
        """The profile the hardware library prints with, this printer's code page applied."""
        return get_profile(self.profile, codepage=self.codepage)

    @property
    def is_loopback(self) -> bool:
        return self.connection == Connection.TCP and self.host in {"127.0.0.1", "localhost", "::1"}


class RegisterPrinter(OrganizationScopedModel):
    """The receipt printer a register prints on (one per register; a printer may serve several)."""

    register = models.OneToOneField("tenancy.Register", on_delete=models.CASCADE, related_name="receipt_printer")
    printer = models.ForeignKey(Printer, on_delete=models.CASCADE, related_name="register_links")

    class Meta:
        verbose_name = _("register printer")
        verbose_name_plural = _("register printers")


class JobKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    REPRINT = "reprint", _("Receipt copy")
    X_REPORT = "x_report", _("X report")
    Z_REPORT = "z_report", _("Z report")
    LABEL = "label", _("Labels")
    TEST = "test", _("Test page")
    DRAWER = "drawer", _("Open drawer")
    CARD_RECEIPT = "card", _("Card terminal receipt")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    PRINTING = "printing", _("printing")
    DONE = "done", _("printed")
    FAILED = "failed", _("failed")


# Allowed transitions, the one place they are written down. A failed job goes back to the queue only
# when a person asks for it (``retry_job``); ``printing`` → ``queued`` happens when nothing was sent.
JOB_TRANSITIONS: dict[str, set[str]] = {
    JobStatus.QUEUED: {JobStatus.PRINTING, JobStatus.FAILED},
    JobStatus.PRINTING: {JobStatus.DONE, JobStatus.QUEUED, JobStatus.FAILED},
    JobStatus.FAILED: {JobStatus.QUEUED},
    JobStatus.DONE: set(),
}


class JobError(models.TextChoices):
    """Why a job waits or failed; the text shown is translated from the code, the detail is technical."""

    NONE = "", "–"
    UNREACHABLE = "unreachable", _("Printer not reachable")
    OFFLINE = "offline", _("Printer offline")
    COVER_OPEN = "cover_open", _("Cover open")
    PAPER_OUT = "paper_out", _("Paper out")
    PRINTER_ERROR = "printer_error", _("Printer error")
    INTERRUPTED = "interrupted", _("Interrupted while sending: check the printout, print again if needed")
    CHECK_PRINTOUT = "check_printout", _("The printer reported a problem right after the job: check the printout")
    EXPIRED = "expired", _("Too late: not sent")
    PERMANENT = "permanent", _("Cannot be printed")
    NODE_GONE = (
        "node_gone",
        _("The store node was revoked before it reported this job: check the printer, print again if needed"),
    )


class PrintJob(OrganizationScopedModel):
    """One thing to print on one printer: a receipt, a report, labels, a test page, a drawer kick.

    ``payload`` holds the bytes as sent; receipts of a sale are rendered by the worker on the first
    attempt (the sale itself only writes this row) and kept, so a retry sends the same bytes.
    ``send_started_at`` is set just before the first byte leaves: a job found ``printing`` after a
    restart was interrupted and is failed for a person to decide if it has one, and queued again
    if it has not (see docs/architecture.md, "Printing"). A job of a store served by a store node is
    printed by the node (``on_node``): queued in the cloud, it travels down the change feed, and its
    outcome travels back up (docs/sync.md).
    """

    printer = models.ForeignKey(Printer, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("printer"))
    register = models.ForeignKey("tenancy.Register", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=JobKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    title = models.CharField(_("what"), max_length=120, blank=True)
    payload = models.BinaryField(default=b"", blank=True)
    sale = models.ForeignKey("sales.Sale", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    shift = models.ForeignKey("sales.Shift", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(_("error"), max_length=16, choices=JobError.choices, blank=True, default="")
    error_detail = models.CharField(max_length=300, blank=True)
    created_by = models.CharField(_("by"), max_length=200, blank=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    # Printed again because a person asked: a receipt then never opens the drawer.
    manual_retry = models.BooleanField(default=False)
    # How often a person sent it again; a retry asked for in the cloud reaches the node only if it is newer.
    retries = models.PositiveIntegerField(default=0)
    # Which side prints it, fixed when queued: the store's node (True) or the process next to this database.
    # Exactly one side ever takes a job; it changes sides only while queued (``hand_over_to_node``).
    on_node = models.BooleanField(default=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("print job")
        verbose_name_plural = _("print jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["printer", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}".strip()


class Health(models.TextChoices):
    OK = "ok", _("ready")
    WARNING = "warning", _("paper near end")
    FAULT = "fault", _("fault")
    UNKNOWN = "unknown", _("unknown")


class PrinterState(OrganizationScopedModel):
    """The worker's last answer from a printer (DLE EOT, the TSPL status byte or the ZPL host status).

    Its id is the printer's id, so the row a store node sends up meets the cloud's row of the same printer.
    """

    printer = models.OneToOneField(Printer, on_delete=models.CASCADE, related_name="state")
    health = models.CharField(max_length=10, choices=Health.choices, default=Health.UNKNOWN)
    online = models.BooleanField(null=True)
    cover_open = models.BooleanField(null=True)
    paper_near_end = models.BooleanField(null=True)
    paper_out = models.BooleanField(null=True)
    error = models.BooleanField(null=True)
    # DLE EOT 1, bit 2 (drawer kick connector pin 3): None when the printer did not say.
    drawer_open = models.BooleanField(null=True)
    reachable = models.BooleanField(default=False)
    detail = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
