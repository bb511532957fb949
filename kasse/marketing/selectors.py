"""Read queries of marketing."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from kasse.marketing.models import Campaign


def idle_messages(organization_id: Any, now: datetime.datetime | None = None) -> list[str]:
    """The messages of the organization's campaigns scheduled for now, for the idle customer displays
    (on a node from the campaigns the cloud sent down)."""
    now = now or timezone.now()
    return list(
        Campaign.objects.filter(organization_id=organization_id)
        .exclude(display_message="")
        .filter(Q(display_from__isnull=True) | Q(display_from__lte=now))
        .filter(Q(display_until__isnull=True) | Q(display_until__gt=now))
        .order_by("display_from", "created_at")
        .values_list("display_message", flat=True)[:5]
    )
