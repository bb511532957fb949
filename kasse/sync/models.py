"""Sync state. Cloud side: store nodes, their pairing codes, the change feed, what
ingestion flagged. Node side: its one ``NodeState`` row and the outbox.

Both roles share one schema; each uses its part.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel, UUIDModel, organization_scoped_manager

# --- cloud side ----------------------------------------------------------------


class StoreNode(OrganizationScopedModel):
    """A paired ``kasse store`` node of one store. Its credential is stored hashed."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="nodes", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=120)
    token_digest = models.CharField(max_length=64, unique=True)
    customer_number_base = models.PositiveIntegerField(
        help_text="Customers created on this node are numbered from base+1 (a block of its own)."
    )
    paired_at = models.DateTimeField(_("paired"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    last_backlog = models.PositiveIntegerField(_("records waiting"), default=0)
    last_cursor = models.BigIntegerField(default=0)
    version = models.CharField(_("version"), max_length=40, blank=True)
    # What the node reports about its own sync with each request (``Kasse-Sync-Status``), and when the
    # cloud last answered its push and its pull: the node page shows them, silence is a defect.
    last_push_at = models.DateTimeField(_("last push"), null=True, blank=True)
    last_pull_at = models.DateTimeField(_("last pull"), null=True, blank=True)
    oldest_waiting_at = models.DateTimeField(_("oldest waiting record"), null=True, blank=True)
    set_aside = models.PositiveIntegerField(_("records set aside"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)  # kept after it is over
    last_error_at = models.DateTimeField(_("error since"), null=True, blank=True)
    failing = models.BooleanField(default=False, help_text="the node's last report carried an error")
    # Where the shop's registers reach the node, as it last reported (kasse.sync.engine.lan_address).
    lan_url = models.CharField(_("address in the shop"), max_length=200, blank=True)
    last_position = models.BigIntegerField(default=0, help_text="the highest outbox position received from it")
    positions_moved = models.BooleanField(
        default=False, help_text="a register's numbers moved in the cloud (a released sale): tell the node"
    )
    clock_ahead_seconds = models.IntegerField(
        _("clock ahead (seconds)"),
        null=True,
        blank=True,
        help_text="how far the node's clock ran ahead of the cloud's in its last sale that was too far ahead",
    )
    clock_ahead_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("store node")
        verbose_name_plural = _("store nodes")
        ordering = ["store__name", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def clock_ahead_minutes(self) -> int:
        return (self.clock_ahead_seconds or 0) // 60


class NodePairingCode(OrganizationScopedModel):
    """A one-time code an owner hands to ``kasse store pair``."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.CASCADE, related_name="+")
    code_digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    node = models.ForeignKey(StoreNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    give_up_waiting = models.BooleanField(
        default=False, help_text="the owner gave up the records the store's current node still has waiting"
    )


class FeedCounter(models.Model):
    """The last sequence number of one organization's change feed.

    Writers lock this row in their transaction, so sequence numbers commit in
    order and a reader that has seen ``seq`` never later finds a smaller one.
    """

    organization = models.OneToOneField(
        "tenancy.Organization", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.seq}"


class ChangeEvent(models.Model):
    """One change of replicated master data: the whole row after the change, or a deletion."""

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    seq = models.BigIntegerField()
    store = models.ForeignKey(
        "tenancy.Store",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="set for rows only one store's node receives",
    )
    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    deleted = models.BooleanField(default=False)
    row = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = organization_scoped_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "seq"], name="change_event_seq_unique")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.model} {self.object_id}"


class AnomalyKind(models.TextChoices):
    TOTALS = "totals", _("Totals do not add up")
    VAT = "vat", _("VAT rows do not match the lines")
    PAYMENTS = "payments", _("Payments do not match the total")
    NUMBER_CLASH = "number_clash", _("Receipt number used twice")
    CLOCK = "clock", _("Time far from the cloud's clock")
    NEGATIVE = "negative", _("Negative total on a sale that is not a return")
    DATED = "dated", _("Dated far in the past")
    POINTS_NEGATIVE = "points_negative", _("Loyalty points below zero after offline redemptions")
    COUPON = "coupon", _("Coupon used more often than allowed")
    VOUCHER_NEGATIVE = "voucher_negative", _("Gift card below zero after offline redemptions")


class SyncAnomaly(OrganizationScopedModel):
    """Something the cloud found wrong in a record it accepted (it never drops a sale)."""

    node = models.ForeignKey(StoreNode, null=True, on_delete=models.SET_NULL, related_name="anomalies")
    kind = models.CharField(_("kind"), max_length=20, choices=AnomalyKind.choices)
    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    detail = models.JSONField(default=dict)
    payload = models.JSONField(
        null=True, blank=True, help_text="the record as received, kept when it could not be stored as is"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "model", "object_id"], name="anomaly_once")]


class SyncConflict(OrganizationScopedModel):
    """Two places changed one field of one record; ``kept_value`` won by the HLC rule."""

    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    field = models.CharField(max_length=60)
    kept_value = models.JSONField(null=True)
    kept_clock = models.CharField(max_length=80)
    lost_value = models.JSONField(null=True)
    lost_clock = models.CharField(max_length=80)
    node = models.ForeignKey(StoreNode, null=True, on_delete=models.SET_NULL, related_name="+")
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


# --- node side -----------------------------------------------------------------


class NodeState(UUIDModel):
    """This store node's pairing and sync position (one row; the id is the node's id in the cloud)."""

    organization_id = models.UUIDField()
    store_id = models.UUIDField()
    cloud_url = models.CharField(max_length=300)
    token = models.CharField(max_length=100)
    customer_number_base = models.PositiveIntegerField()
    cursor = models.BigIntegerField(default=0)
    paired_at = models.DateTimeField(default=timezone.now)
    last_push_at = models.DateTimeField(null=True, blank=True)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_contact_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)  # since when ``last_error`` holds
    cloud_version = models.CharField(max_length=40, blank=True)  # what the cloud last said it runs
    revoked = models.BooleanField(default=False)
    needs_positions = models.BooleanField(
        default=False, help_text="restored from a backup: sell only after the cloud said where the registers stand"
    )
    positions_checked_at = models.DateTimeField(null=True, blank=True)


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    ACKED = "acked", _("synced")
    REJECTED = "rejected", _("refused by the cloud")
    HELD = "held", _("set aside after a cloud error")


class OutboxRecord(models.Model):
    """A change born on this node, waiting to be pushed (written in the same transaction)."""

    id = models.UUIDField(primary_key=True)
    position = models.BigIntegerField(unique=True)  # commit order on the node (its writes are serialised)
    kind = models.CharField(max_length=40)
    rows = models.JSONField()
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    acked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"]), models.Index(fields=["status", "position"])]
        ordering = ["position"]

    def __str__(self) -> str:
        return f"#{self.position} {self.kind} ({self.status})"


class SetAsideEvent(models.Model):
    """A feed event this node could not apply (a newer cloud's table or column, a value it cannot take).

    Kept with its row and the reason; the rest of the feed goes on. Retried when the node starts (after an
    upgrade) and now and then; dropped when a later event of the same row was applied.
    """

    id = models.BigAutoField(primary_key=True)
    seq = models.BigIntegerField(unique=True)
    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    deleted = models.BooleanField(default=False)
    row = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500)
    version = models.CharField(max_length=40, help_text="the kasse version that set it aside")
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.model} {self.object_id}"
