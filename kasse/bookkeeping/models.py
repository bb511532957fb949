"""Sales exports: a file of receipts, lines, VAT rows and payments that a background task writes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kasse.core.models import OrganizationScopedModel


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV (ZIP with one file each for receipts, lines, VAT and payments)")
    XLSX = "xlsx", _("Excel (XLSX, one sheet each)")
    DSFINVK = "dsfinvk", _("DSFinV-K (ZIP for the tax office)")
    TSE = "tse", _("TSE export (TAR: certificate and signed log messages)")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("being written")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("deleted after its retention time")


# Allowed transitions, the one place they are written down.
EXPORT_TRANSITIONS: dict[str, set[str]] = {
    ExportStatus.QUEUED: {ExportStatus.RUNNING, ExportStatus.FAILED},
    ExportStatus.RUNNING: {ExportStatus.DONE, ExportStatus.FAILED},
    ExportStatus.DONE: {ExportStatus.EXPIRED},
    ExportStatus.EXPIRED: set(),
    ExportStatus.FAILED: set(),
}


class SalesExport(OrganizationScopedModel):
    """One requested export of the receipts of some stores over some local days: the sales export (CSV or
    XLSX), or the DSFinV-K export of some registers (``register_ids``; ``line_count`` counts its closings).

    ``line_count`` is counted when it is requested (the progress bar's 100 %), ``lines_written`` grows
    while the task writes. The file appears under ``file_name`` only once it is complete (written to a
    temporary name and renamed), so a download never gets half a file.
    """

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    store_ids = models.JSONField(default=list)  # the stores exported (ids as strings)
    store_names = models.CharField(max_length=500)
    register_ids = models.JSONField(default=list, blank=True)  # DSFinV-K: the registers exported
    download_name = models.CharField(max_length=200, blank=True)  # the file's name for the person, if not the default
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    format = models.CharField(_("format"), max_length=10, choices=ExportFormat.choices)
    language = models.CharField(max_length=5, default="de")  # of the headings, as the person asked
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    line_count = models.PositiveBigIntegerField(default=0)
    receipt_count = models.PositiveBigIntegerField(default=0)
    lines_written = models.PositiveBigIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sales export")
        verbose_name_plural = _("sales exports")
        ordering = ["-created_at"]

    @property
    def format_label(self) -> str:
        return {ExportFormat.DSFINVK: "DSFinV-K", ExportFormat.TSE: "TSE"}.get(
            ExportFormat(self.format), self.format.upper()
        )

    @property
    def retention_days(self) -> int:
        """How long the finished file is kept (kasse.bookkeeping.retention)."""
        return int(settings.KASSE_EXPORT_RETENTION_DAYS)

    @property
    def progress_percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.line_count:
            return 0
        return min(99, int(self.lines_written * 100 / self.line_count))


class CashBookCategory(models.TextChoices):
    """What a back-office cash book entry is; the register's cash movements use the same words."""

    OPENING_BALANCE = "opening_balance", _("Opening balance")
    BANK_DEPOSIT = "bank_deposit", _("Bank deposit")
    CHANGE_FROM_BANK = "change_from_bank", _("Change from the bank")
    PURCHASE = "purchase", _("Purchase")
    EXPENSE = "expense", _("Expense")
    PRIVATE_WITHDRAWAL = "private_withdrawal", _("Private withdrawal")
    PRIVATE_DEPOSIT = "private_deposit", _("Private deposit")
    OTHER = "other", pgettext_lazy("cash category", "Other")  # "Sonstiges", not the payment method


# Cash going out of the store's cash: the amount is stored negative.
CASH_OUT_CATEGORIES = frozenset(
    {
        CashBookCategory.BANK_DEPOSIT,
        CashBookCategory.PURCHASE,
        CashBookCategory.EXPENSE,
        CashBookCategory.PRIVATE_WITHDRAWAL,
    }
)


class CashBookEntry(OrganizationScopedModel):
    """A cash book line entered in the back office: cash of the store moved outside a register (the safe
    to the bank, a purchase paid from the safe) or the opening balance when the cash book starts.

    Never edited or deleted (GoBD): a mistake is corrected by new entries that reference it
    (``correction_of``): one that reverses it and, if needed, one with the right amount.
    """

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    category = models.CharField(_("category"), max_length=20, choices=CashBookCategory.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)  # signed: out is negative
    text = models.CharField(_("text"), max_length=200)
    correction_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("cash book entry")
        verbose_name_plural = _("cash book entries")
        ordering = ["day", "created_at"]

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValueError("cash book entries are never changed; correct them with a new entry")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("cash book entries are never deleted; correct them with a new entry")
