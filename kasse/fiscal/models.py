"""TSE devices, the registers they sign for, and what they signed (append-only).

GoBD: :class:`TseTransactionRecord` and :class:`DevTseLogMessage` are never updated or deleted, and
a :class:`TseOutage` only ever gets its end written once; on PostgreSQL triggers refuse anything
else (migration ``0002_append_only``). Secrets (fiskaly API secret, admin PIN and PUK, the
development TSE's private key) are stored encrypted with :mod:`kasse.fiscal.crypto`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel


class Backend(models.TextChoices):
    DEVELOPMENT = "development", _("Development TSE (not certified)")
    FISKALY = "fiskaly", _("fiskaly SIGN DE (cloud TSE)")


class DeviceState(models.TextChoices):
    """new → ready (set up; signs) → retired (replaced; kept for the export). One direction only."""

    NEW = "new", _("not set up yet")
    READY = "ready", _("ready")
    RETIRED = "retired", _("retired")


class TseDevice(OrganizationScopedModel):
    """One TSE: for one store, or (``store`` empty) for every store of the organization that has
    none of its own. Registers sign through it once they are registered as its clients."""

    store = models.ForeignKey(
        "tenancy.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=120)
    backend = models.CharField(_("kind"), max_length=20, choices=Backend.choices)
    state = models.CharField(_("state"), max_length=10, choices=DeviceState.choices, default=DeviceState.NEW)
    # Device information as the TSE reported it at set-up (DSFinV-K tse.csv).
    serial_number = models.CharField(_("serial number"), max_length=128, blank=True)
    public_key = models.TextField(_("public key"), blank=True)
    signature_algorithm = models.CharField(max_length=40, blank=True)
    time_format = models.CharField(max_length=40, blank=True)
    certificate = models.TextField(blank=True)
    certificate_expires_at = models.DateTimeField(null=True, blank=True)
    # fiskaly SIGN DE v2: the TSS and the credentials of the fiskaly organization it belongs to.
    fiskaly_tss_id = models.UUIDField(null=True, blank=True)
    fiskaly_api_key = models.CharField(max_length=200, blank=True)
    fiskaly_api_secret = models.TextField(blank=True, editable=False)  # encrypted
    fiskaly_admin_pin = models.TextField(blank=True, editable=False)  # encrypted
    fiskaly_admin_puk = models.TextField(blank=True, editable=False)  # encrypted
    # Development TSE: its key and its two counters (the TSE's own memory).
    dev_private_key = models.TextField(blank=True, editable=False)  # encrypted PEM
    dev_signature_counter = models.PositiveBigIntegerField(default=0, editable=False)
    dev_transaction_counter = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("TSE")
        verbose_name_plural = _("TSEs")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "store"], condition=~Q(state="retired"), name="tse_one_active_per_store"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(store__isnull=True) & ~Q(state="retired"),
                name="tse_one_active_per_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_backend_display()})"


class TseClientRegistration(OrganizationScopedModel):
    """A register as a client of a TSE (fiskaly: one client per register, id = this row's id)."""

    device = models.ForeignKey(TseDevice, on_delete=models.PROTECT, related_name="clients")
    register = models.ForeignKey("tenancy.Register", on_delete=models.PROTECT, related_name="+")
    client_id = models.CharField(max_length=64)
    serial_number = models.CharField(max_length=64)  # the register's serial number (QR code field 2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "register"], name="tse_client_once_per_device"),
            models.UniqueConstraint(fields=["device", "client_id"], name="tse_client_id_unique"),
        ]


class Outcome(models.TextChoices):
    SIGNED = "signed", _("signed")
    FAILED = "failed", _("not signed")


class TseTransactionRecord(OrganizationScopedModel):
    """One step of a TSE transaction as the TSE answered it (or why it did not): append-only.

    A sale's TSE data is its ``finish`` row; DSFinV-K's ``transactions_tse.csv`` is built from these
    rows (``TSE_TA_FEHLER`` from the failed ones).
    """

    device = models.ForeignKey(TseDevice, null=True, on_delete=models.PROTECT, related_name="+")
    register = models.ForeignKey("tenancy.Register", on_delete=models.PROTECT, related_name="+")
    tx_id = models.UUIDField(db_index=True)
    revision = models.PositiveIntegerField()
    operation = models.CharField(max_length=10)  # start | update | finish | cancel
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    process_type = models.CharField(max_length=100, blank=True)
    process_data = models.TextField(blank=True)
    transaction_number = models.PositiveBigIntegerField(null=True)
    signature_counter = models.PositiveBigIntegerField(null=True)
    signature = models.TextField(blank=True)
    signature_algorithm = models.CharField(max_length=40, blank=True)
    tse_serial = models.CharField(max_length=128, blank=True)
    client_serial = models.CharField(max_length=64, blank=True)
    time_start = models.DateTimeField(null=True)
    time_end = models.DateTimeField(null=True)
    log_time = models.DateTimeField(null=True)
    log_time_format = models.CharField(max_length=40, blank=True)
    qr_code_data = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "tx_id", "revision"],
                condition=Q(outcome="signed"),
                name="tse_record_signed_revision_once",
            ),
        ]
        indexes = [models.Index(fields=["register", "created_at"])]


class OutageReason(models.TextChoices):
    UNREACHABLE = "unreachable", _("TSE not reachable")
    REFUSED = "refused", _("TSE refused the request")
    NOT_CONFIGURED = "not_configured", _("no TSE set up for this register")


class TseOutage(OrganizationScopedModel):
    """A time in which a register's transactions could not be signed (AEAO zu §146a Nr. 7).

    Opened by the first failure, ended by the next signature; ``ended_at`` is written once.
    """

    register = models.ForeignKey("tenancy.Register", on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(TseDevice, null=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=20, choices=OutageReason.choices)
    detail = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["register"], condition=Q(ended_at__isnull=True), name="tse_one_open_outage_per_register"
            ),
        ]


class DevTseTransaction(OrganizationScopedModel):
    """The development TSE's memory of an open or finished transaction (number, client, start)."""

    device = models.ForeignKey(TseDevice, on_delete=models.PROTECT, related_name="+")
    tx_id = models.UUIDField()
    client_id = models.CharField(max_length=64)
    number = models.PositiveBigIntegerField()
    revision = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "tx_id"], name="devtse_tx_once"),
            models.UniqueConstraint(fields=["device", "number"], name="devtse_number_once"),
        ]


class DevTseLogMessage(OrganizationScopedModel):
    """A signed TR-03151 log message of the development TSE, kept for its export: append-only."""

    device = models.ForeignKey(TseDevice, on_delete=models.PROTECT, related_name="+")
    signature_counter = models.PositiveBigIntegerField()
    transaction_number = models.PositiveBigIntegerField()
    operation = models.CharField(max_length=10)
    client_id = models.CharField(max_length=64)
    tx_id = models.UUIDField()
    revision = models.PositiveIntegerField()
    process_type = models.CharField(max_length=100, blank=True)
    process_data = models.TextField(blank=True)
    log_time = models.DateTimeField()
    signature = models.TextField()  # base64, as in the message
    message = models.BinaryField()  # the DER log message as the export holds it

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "signature_counter"], name="devtse_counter_once"),
        ]


# The DATEV export's settings live in their own module; imported here so Django finds the model.
from kasse.fiscal.datev_settings import DatevSettings  # noqa: E402, F401


class RegisterDetails(OrganizationScopedModel):
    """What the tax office is told about a register (§146a (4) AO) beyond what the register row holds:
    the device's brand and model, when it was bought, taken into use and out of use."""

    register = models.OneToOneField("tenancy.Register", on_delete=models.PROTECT, related_name="+")
    brand = models.CharField(_("brand of the device"), max_length=50, blank=True)
    model = models.CharField(_("model of the device"), max_length=50, blank=True)
    purchased_on = models.DateField(_("purchased on"), null=True, blank=True)
    in_use_since = models.DateField(_("in use since"), null=True, blank=True)
    decommissioned_on = models.DateField(_("out of use since"), null=True, blank=True)

    class Meta:
        verbose_name = _("register details for the tax office")
        verbose_name_plural = _("register details for the tax office")
