from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kasse.tenancy.selectors import capabilities


def tenancy(request: HttpRequest) -> dict[str, Any]:
    """Expose the active organization, the employee and their capabilities to templates."""
    employee = getattr(request, "employee", None)
    return {
        "organization": getattr(request, "organization", None),
        "organizations": getattr(request, "organizations", []),
        "current_employee": employee,
        "caps": capabilities(employee) if employee else frozenset(),
    }
