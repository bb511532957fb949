"""What a campaign brought: its e-mails, and the sales attributed to its coupon code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from kasse.marketing.models import Campaign, CampaignRecipient
from kasse.sales.models import Sale, SaleKind, SaleLine


@dataclass(frozen=True)
class CampaignReport:
    recipients: int
    sent: int
    skipped: int  # consent withdrawn before their e-mail went out
    sales: int  # receipts with the campaign's coupon code
    revenue: Decimal
    coupon_code: str


def coupon_sales(campaign: Campaign) -> Any:
    """The sales on which the campaign's coupon code was redeemed: receipts with a line priced by the
    promotion that carries the code (``SaleLine.promotion.coupon_code``, the promotions part of issue 18).
    Without the promotions app installed, none."""
    line_fields = {f.name for f in SaleLine._meta.get_fields()}
    if not campaign.coupon_code or "promotion" not in line_fields:
        return Sale.objects.none()
    lookup = {"lines__promotion__coupon_code__iexact": campaign.coupon_code}
    return Sale.objects.filter(organization_id=campaign.organization_id, kind=SaleKind.SALE, **lookup).distinct()


def campaign_report(campaign: Campaign) -> CampaignReport:
    counts = CampaignRecipient.objects.filter(campaign=campaign).aggregate(
        n=Count("id"), sent=Count("id", filter=Q(sent_at__isnull=False)), skipped=Count("id", filter=~Q(error=""))
    )
    sales = Sale.objects.filter(pk__in=coupon_sales(campaign).values("pk")).aggregate(
        n=Count("id"), revenue=Sum("total")
    )
    return CampaignReport(
        recipients=counts["n"],
        sent=counts["sent"],
        skipped=counts["skipped"],
        sales=sales["n"],
        revenue=sales["revenue"] or Decimal("0.00"),
        coupon_code=campaign.coupon_code,
    )
