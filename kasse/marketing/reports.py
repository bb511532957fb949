"""What a campaign brought: its e-mails, and the sales attributed to its coupon code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from kasse.marketing.models import Campaign, CampaignRecipient
from kasse.sales.models import Sale, SaleKind


@dataclass(frozen=True)
class CampaignReport:
    recipients: int
    sent: int
    skipped: int  # consent withdrawn before their e-mail went out
    sales: int  # receipts with the campaign's coupon code
    revenue: Decimal
    coupon_code: str


def coupon_sales(campaign: Campaign) -> Any:
    """The sales on which the campaign's coupon code was redeemed. A receipt names a coupon it used in its
    ``coupon_code`` column when the promotions app stores one (issue 18, promotions); until then none."""
    if not campaign.coupon_code or "coupon_code" not in {f.name for f in Sale._meta.get_fields()}:
        return Sale.objects.none()
    lookup = {"coupon_code__iexact": campaign.coupon_code}  # a column the promotions app adds
    return Sale.objects.filter(organization_id=campaign.organization_id, kind=SaleKind.SALE, **lookup)


def campaign_report(campaign: Campaign) -> CampaignReport:
    counts = CampaignRecipient.objects.filter(campaign=campaign).aggregate(
        n=Count("id"), sent=Count("id", filter=Q(sent_at__isnull=False)), skipped=Count("id", filter=~Q(error=""))
    )
    sales = coupon_sales(campaign).aggregate(n=Count("id"), revenue=Sum("total"))
    return CampaignReport(
        recipients=counts["n"],
        sent=counts["sent"],
        skipped=counts["skipped"],
        sales=sales["n"],
        revenue=sales["revenue"] or Decimal("0.00"),
        coupon_code=campaign.coupon_code,
    )
