"""What the back office keeps of its own: the alerts already published as events (``alert_events``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel


class PublishedAlert(OrganizationScopedModel):
    """Something wrong that was published once (``key``: what and where, e.g. ``printer:<id>:paper_out``);
    deleted when it is put right, so that it is published again if it comes back."""

    key = models.CharField(max_length=200)
    event = models.CharField(max_length=60)

    class Meta:
        verbose_name = _("published alert")
        verbose_name_plural = _("published alerts")
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="published_alert_once")]


class DailySummarySent(OrganizationScopedModel):
    """A store's daily summary that was published (``daily_summary``): once per store and local day."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        verbose_name = _("daily summary sent")
        verbose_name_plural = _("daily summaries sent")
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="daily_summary_once")]
