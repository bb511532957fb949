"""Marketing: double opt-in of marketing consent, segments of customers and e-mail campaigns.

A customer receives campaign e-mails only while ``Customer.marketing_consent`` is set, and consent given at
the register or on a web form becomes effective only when the customer confirmed it by the link in the
double opt-in e-mail (:class:`ConsentRequest`). Every campaign e-mail carries an unsubscribe link that works
without login (a signed token, ``kasse.marketing.tokens``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasse.core.models import OrganizationScopedModel


class ConsentRequest(OrganizationScopedModel):
    """A customer agreed to marketing at the register (or on a form): it counts once they confirm by e-mail."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="consent_requests")
    email = models.EmailField(_("e-mail"))
    source = models.CharField(_("source"), max_length=20)
    sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class SegmentKind(models.TextChoices):
    BOUGHT_RECENTLY = "bought_recently", _("Bought in the last N days")
    REVENUE_THIS_YEAR = "revenue_this_year", _("Spent more than N € this year")
    TIER = "tier", _("Reached a loyalty tier")
    NOT_VISITED = "not_visited", _("Has not visited for N days")
    STAMPS_ALMOST_FULL = "stamps_almost_full", _("Stamp card at most N stamps from full")
    ALL = "all", _("All customers")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class Campaign(OrganizationScopedModel):
    """An e-mail to a segment of consenting customers, optionally a message on the registers' idle screens
    for a time, and the coupon code whose sales are attributed to it."""

    name = models.CharField(_("name"), max_length=120)
    segment = models.CharField(_("segment"), max_length=30, choices=SegmentKind.choices, default=SegmentKind.ALL)
    segment_value = models.CharField(_("N / tier"), max_length=60, blank=True)
    subject = models.CharField(_("subject"), max_length=150, blank=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Plain text; paragraphs are kept."))
    coupon_code = models.CharField(_("coupon code"), max_length=40, blank=True)
    display_message = models.CharField(_("message on the idle screens"), max_length=200, blank=True)
    display_from = models.DateTimeField(_("shown from"), null=True, blank=True)
    display_until = models.DateTimeField(_("shown until"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class CampaignRecipient(OrganizationScopedModel):
    """One customer a campaign is for: sent once (unique), or why not."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_recipient_once")]
