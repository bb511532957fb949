"""``{% sync_node_alerts %}``: store nodes whose sync needs the owner, on the back office's start page and
the store nodes page (shown to whoever may manage the nodes)."""

from __future__ import annotations

from typing import Any

from django import template

from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability

register = template.Library()


@register.inclusion_tag("sync/backoffice/partials/node_alerts.html", takes_context=True)
def sync_node_alerts(context: template.Context) -> dict[str, Any]:
    from django.conf import settings

    from kasse.sync.backoffice.selectors import node_alerts

    request = context.get("request")
    employee = getattr(request, "employee", None)
    if employee is None or not has_capability(employee, Capability.MANAGE_SETTINGS):
        return {"alerts": []}
    return {"alerts": node_alerts(), "alert_minutes": settings.KASSE_SYNC_ALERT_MINUTES}
