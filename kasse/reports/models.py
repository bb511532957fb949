"""Sums kept for the reports: per store and local day, recomputed from the receipts.

A receipt is immutable once stored, so a day's sums change only when receipts of that day arrive. Every
insert into ``sales_sale`` marks its store and UTC hour in :class:`PendingHour` — a database trigger
(migration 0002), so every way a receipt reaches the table marks it: checkout, returns, sync ingest (COPY),
a released quarantined sale (the seed writes with triggers off and marks its hours itself). Before a
report reads, :func:`kasse.reports.aggregates.refresh`
recomputes the marked days of its stores from the raw rows and removes the marks it consumed (only if no
newer receipt marked them meanwhile). The rules and their tests: docs/reports.md.
"""

from __future__ import annotations

from django.db import models
from django_scopes import ScopedManager

from kasse.core.models import money_field


class PendingHour(models.Model):
    """A store's UTC hour that gained receipts since its day's sums were last computed (written by trigger)."""

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("tenancy.Store", on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()  # UTC, truncated to the hour
    generation = models.PositiveIntegerField(default=1)  # raised by every insert that marks it again

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "hour"], name="reports_pending_store_hour")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.hour:%Y-%m-%d %H}:00 UTC"


class _DaySums(models.Model):
    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("tenancy.Store", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the store's local day (first of the month in the monthly tables)
    kind = models.CharField(max_length=10)  # sale or refund

    objects = ScopedManager(organization="organization")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.store_id} {self.day}"


class HourSums(_DaySums):
    """Receipts per local hour, register and employee: counts, gross, net, items, discounts."""

    hour = models.PositiveSmallIntegerField()
    register = models.ForeignKey("tenancy.Register", on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey("tenancy.Employee", on_delete=models.CASCADE, related_name="+")
    receipts = models.PositiveIntegerField()
    gross = money_field()
    net = money_field()
    items = models.DecimalField(max_digits=14, decimal_places=3)
    discount = money_field()

    class Meta:
        indexes = [models.Index(fields=["organization", "day", "store"])]


class DaySums(_DaySums):
    """:class:`HourSums` without the hour (about a twelfth of its rows): what every report but the hours
    report reads."""

    register = models.ForeignKey("tenancy.Register", on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey("tenancy.Employee", on_delete=models.CASCADE, related_name="+")
    receipts = models.PositiveIntegerField()
    gross = money_field()
    net = money_field()
    items = models.DecimalField(max_digits=14, decimal_places=3)
    discount = money_field()

    class Meta:
        indexes = [models.Index(fields=["organization", "day", "store"])]


class ProductSums(_DaySums):
    """Lines per local day, variant and VAT rate."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    gross = money_field()
    discount = money_field()
    lines = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["organization", "day", "store"])]


class ProductMonthSums(_DaySums):
    """:class:`ProductSums` summed per calendar month (``day`` = its first day), for long ranges."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    gross = money_field()
    discount = money_field()
    lines = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["organization", "day", "store"])]


class VatSums(_DaySums):
    """The receipts' VAT rows per local day and rate, exactly as printed."""

    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    gross = money_field()
    net = money_field()
    vat = money_field()

    class Meta:
        indexes = [models.Index(fields=["organization", "day", "store"])]


class PaymentSums(_DaySums):
    """Payments per local day and method."""

    method = models.CharField(max_length=10)
    amount = money_field()
    payments = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["organization", "day", "store"])]


class VoidSums(_DaySums):
    """Voids per local day from the audit log: lines removed from a cart (``kind`` = ``line``) and carts
    cancelled before payment (``kind`` = ``cart``, with what they would have cost)."""

    count = models.PositiveIntegerField()
    quantity = models.DecimalField(max_digits=14, decimal_places=3)  # items of the voided lines
    amount = money_field()  # gross of the cancelled carts

    class Meta:
        indexes = [models.Index(fields=["organization", "day", "store"])]
