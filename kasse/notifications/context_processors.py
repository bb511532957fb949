"""``notification_unread``: the bell's count in the back office's header (the socket keeps it current)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kasse.notifications.centre import unread_count
from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import has_capability


def notification_count(request: HttpRequest) -> dict[str, Any]:
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    employee = getattr(request, "employee", None)
    if organization is None or user is None or not user.is_authenticated or employee is None:
        return {}
    if not has_capability(employee, Capability.VIEW_REPORTS):
        return {}
    return {"notification_unread": unread_count(user.pk, organization.pk)}
