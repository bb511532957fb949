"""Card terminals bound to a register, and card payments: the durable intent written before a terminal is
asked for money, and what the terminal answered.

A `CardTerminal` is configuration the back office edits; it syncs down to the store's node, which drives
the terminal (a browser cannot reach it). A `CardPayment` is born on the process that drives the terminal.
Its status moves only along `TRANSITIONS` (docs/payments.md).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel, money_field
from kasse.peripherals.models import DeviceState


class TerminalConnection(models.TextChoices):
    TCP = "tcp", _("Network (TCP/IP)")
    SERIAL = "serial", _("Serial port (RS-232, USB serial)")


class CardTerminal(OrganizationScopedModel):
    """A ZVT card terminal that takes the card payments of one register."""

    store = models.ForeignKey(
        "tenancy.Store", on_delete=models.PROTECT, related_name="card_terminals", verbose_name=_("store")
    )
    register = models.OneToOneField(
        "tenancy.Register", on_delete=models.PROTECT, related_name="card_terminal", verbose_name=_("register")
    )
    name = models.CharField(_("name"), max_length=120)
    connection = models.CharField(
        _("connection"), max_length=10, choices=TerminalConnection.choices, default=TerminalConnection.TCP
    )
    host = models.CharField(_("host"), max_length=255, blank=True, help_text=_("IP address or host name"))
    port = models.PositiveIntegerField(_("port"), default=20007)
    serial_device = models.CharField(_("serial device"), max_length=255, blank=True)
    baud_rate = models.PositiveIntegerField(_("baud rate"), default=9600)
    password = models.CharField(
        _("terminal password"), max_length=6, help_text=_("Six digits, set on the terminal (often 000000)")
    )
    print_merchant_copy = models.BooleanField(_("print the merchant copy"), default=True)
    print_customer_copy = models.BooleanField(_("print the customer copy"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    test_requested_at = models.DateTimeField(null=True, blank=True)  # the back office's "test" button

    class Meta:
        verbose_name = _("card terminal")
        verbose_name_plural = _("card terminals")
        ordering = ["store__number", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        if self.connection == TerminalConnection.SERIAL:
            return f"serial://{self.serial_device}@{self.baud_rate}"
        return f"tcp://{self.host}:{self.port}"


class PaymentProvider(models.TextChoices):
    """Who takes the money of a payment intent: the register's card terminal, or a QR payment provider."""

    ZVT = "zvt", _("Card terminal (ZVT)")
    BLUECODE = "bluecode", _("Bluecode")


class CardPaymentKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    REVERSAL = "reversal", _("Reversal")


class CardPaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the terminal")
    SENT = "sent", _("At the terminal")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    FAILED = "failed", _("Not sent")  # nothing reached the terminal: safe to try again
    CANCELLED = "cancelled", _("Cancelled before it was sent")
    UNKNOWN = "unknown", _("Outcome unknown")


UNRESOLVED = (CardPaymentStatus.PENDING, CardPaymentStatus.SENT, CardPaymentStatus.UNKNOWN)

TRANSITIONS: dict[str, frozenset[str]] = {
    CardPaymentStatus.PENDING: frozenset({CardPaymentStatus.SENT, CardPaymentStatus.CANCELLED}),
    CardPaymentStatus.SENT: frozenset(
        {CardPaymentStatus.APPROVED, CardPaymentStatus.DECLINED, CardPaymentStatus.FAILED, CardPaymentStatus.UNKNOWN}
    ),
    # recovered from the terminal's repeat receipt, or decided by a manager
    CardPaymentStatus.UNKNOWN: frozenset({CardPaymentStatus.APPROVED, CardPaymentStatus.DECLINED}),
    CardPaymentStatus.APPROVED: frozenset(),
    CardPaymentStatus.DECLINED: frozenset(),
    CardPaymentStatus.FAILED: frozenset(),
    CardPaymentStatus.CANCELLED: frozenset(),
}


class CardPayment(OrganizationScopedModel):
    """One request to a terminal and its outcome; written (pending) before anything is sent."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    register = models.ForeignKey("tenancy.Register", on_delete=models.PROTECT, related_name="card_payments")
    terminal = models.ForeignKey(
        CardTerminal, on_delete=models.PROTECT, related_name="payments", null=True, blank=True
    )  # none for a QR payment
    provider = models.CharField(
        _("provider"), max_length=12, choices=PaymentProvider.choices, default=PaymentProvider.ZVT
    )
    # QR payments (kasse/payments/qr): the provider account used, its id of the charge, its reason code,
    # the refunded payment of a refund, and a cashier's wish to cancel while the provider is at it.
    qr_account = models.ForeignKey(
        "payments.QrAccount", on_delete=models.PROTECT, related_name="payments", null=True, blank=True
    )
    provider_tx_id = models.CharField(max_length=64, blank=True)
    provider_code = models.CharField(max_length=60, blank=True)
    original_payment = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="refunds", null=True, blank=True
    )
    cancel_requested = models.BooleanField(default=False)
    presented_code = models.CharField(max_length=64, blank=True)  # the scanned code until it is sent, then ""
    cart_id = models.UUIDField(_("cart"), null=True, blank=True)
    sale_id = models.UUIDField(_("sale"), null=True, blank=True, help_text=_("the sale this payment paid"))
    kind = models.CharField(max_length=10, choices=CardPaymentKind.choices, default=CardPaymentKind.PAYMENT)
    amount = money_field(_("amount"))
    original_receipt_number = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CardPaymentStatus.choices, default=CardPaymentStatus.PENDING
    )
    last_trace_number = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("the terminal's last trace number known before this payment")
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result_code = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.CharField(max_length=255, blank=True)
    display_text = models.CharField(max_length=120, blank=True, help_text=_("the terminal's last status text"))
    # from the terminal's status information (04 0F)
    terminal_amount = money_field(null=True, blank=True)
    trace_number = models.PositiveIntegerField(null=True, blank=True)
    receipt_number = models.PositiveIntegerField(null=True, blank=True)
    card_name = models.CharField(max_length=60, blank=True)
    card_type = models.PositiveSmallIntegerField(null=True, blank=True)
    masked_pan = models.CharField(max_length=30, blank=True)
    terminal_number = models.CharField(max_length=16, blank=True, help_text=_("the terminal id (TID)"))
    booked_at = models.DateTimeField(null=True, blank=True)
    receipts = models.JSONField(default=list, blank=True, help_text=_("receipt texts: [{type, lines}]"))
    resolved_by = models.CharField(max_length=150, blank=True, help_text=_("who decided an unknown outcome"))
    resolution_note = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("card payment")
        verbose_name_plural = _("card payments")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["register", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.get_status_display()})"

    @property
    def reference(self) -> str:
        """What the register's tender carries to name this payment."""
        return f"{'zvt' if self.provider == PaymentProvider.ZVT else 'qr'}:{self.pk}"

    @property
    def merchant_tx_id(self) -> str:
        """The id a QR provider knows this payment by: born with the intent, so a repeat is harmless."""
        return str(self.pk)


class CardSettlementStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the terminal")
    SENT = "sent", _("At the terminal")
    DONE = "done", _("Totals read")
    FAILED = "failed", _("Not sent")  # nothing reached the terminal
    UNKNOWN = "unknown", _("Totals unknown")  # sent, then the link broke: the terminal may have closed its day


SETTLEMENT_RUNNING = (CardSettlementStatus.PENDING, CardSettlementStatus.SENT)


class CardSettlement(OrganizationScopedModel):
    """An end-of-day (06 50) of a terminal at a shift's closing: the intent, then the terminal's totals and
    what kasse booked through the terminal since its previous end-of-day (docs/payments.md, "End-of-day")."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    register = models.ForeignKey("tenancy.Register", on_delete=models.PROTECT, related_name="card_settlements")
    terminal = models.ForeignKey(CardTerminal, on_delete=models.PROTECT, related_name="settlements")
    shift = models.ForeignKey("sales.Shift", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=CardSettlementStatus.choices, default=CardSettlementStatus.PENDING
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result_code = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.CharField(max_length=255, blank=True)
    # the terminal's totals (BMP 60 of its 04 0F)
    trace_number = models.PositiveIntegerField(null=True, blank=True)
    first_receipt = models.PositiveIntegerField(null=True, blank=True)
    last_receipt = models.PositiveIntegerField(null=True, blank=True)
    terminal_count = models.PositiveIntegerField(null=True, blank=True)
    terminal_amount = money_field(null=True, blank=True)
    families = models.JSONField(default=list, blank=True, help_text=_("[{family, count, amount}]"))
    # kasse's side, over the same period: approved payments less refunds and reversals through this terminal
    kasse_count = models.PositiveIntegerField(null=True, blank=True)
    kasse_amount = money_field(null=True, blank=True)
    unclear_count = models.PositiveIntegerField(default=0)
    receipts = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("card terminal end-of-day")
        verbose_name_plural = _("card terminal end-of-days")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.terminal_id} {self.get_status_display()}"

    @property
    def difference(self) -> Decimal | None:
        """The terminal's total less kasse's (None while the terminal's total is not known)."""
        if self.terminal_amount is None or self.kasse_amount is None:
            return None
        return self.terminal_amount - self.kasse_amount


class CardTerminalState(DeviceState):
    """What the node saw when it last logged on to the terminal; its id is the terminal's id (goes up)."""

    terminal = models.OneToOneField(CardTerminal, on_delete=models.CASCADE, related_name="state")
    software_version = models.CharField(max_length=120, blank=True)


from kasse.payments.qr.models import QrAccount  # noqa: E402, F401 - the QR provider accounts are this app's models
