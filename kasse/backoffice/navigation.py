"""The back office's main navigation: one list, filtered by capability.

Add a section by appending a ``NavItem``; the template renders what the
current employee may see and marks the active section by URL prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kasse.tenancy.permissions import Capability
from kasse.tenancy.selectors import capabilities


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    capability: str | None = None


NAV_ITEMS: list[NavItem] = [
    NavItem("catalog:product-list", _("Catalog"), Capability.MANAGE_CATALOG),
    NavItem("inventory:goods-receipt-list", _("Goods receipts"), Capability.RECEIVE_GOODS),
    NavItem("customers:customer-list", _("Customers"), Capability.MANAGE_CUSTOMERS),
    NavItem("tenancy:employee-list", _("Employees"), Capability.MANAGE_EMPLOYEES),
    NavItem("register-backoffice:device-list", _("Devices"), Capability.MANAGE_SETTINGS),
    NavItem("printing:printer-list", _("Printers"), Capability.MANAGE_SETTINGS),
    NavItem("sync-backoffice:node-list", _("Store nodes"), Capability.MANAGE_SETTINGS),
    NavItem("sync-backoffice:live", _("Live sales"), Capability.VIEW_REPORTS),
    NavItem("fiscal:datev-export", _("DATEV export"), Capability.VIEW_REPORTS),
    NavItem("tenancy:settings", _("Settings"), Capability.MANAGE_SETTINGS),
    NavItem("api-backoffice:token-list", _("API"), Capability.MANAGE_API),
]


def backoffice_nav(request: HttpRequest) -> dict[str, Any]:
    employee = getattr(request, "employee", None)
    if employee is None:
        return {"backoffice_nav": []}
    caps = capabilities(employee)
    items = []
    for item in NAV_ITEMS:
        if item.capability and item.capability not in caps:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # section not built yet
        items.append({"url": url, "label": item.label, "active": False})
    # The section whose URL is the longest prefix of the path is the active one
    # (/settings/employees/ is "Employees", not also "Settings").
    matching = [i for i in items if request.path.startswith(str(i["url"])) and i["url"] != "/"]
    if matching:
        max(matching, key=lambda i: len(str(i["url"])))["active"] = True
    return {"backoffice_nav": items}
