"""The back office's main navigation: groups the way a shop owner thinks, filtered by capability.

Add a page by appending a ``NavItem`` to its group; the template shows the groups and pages the current
employee may see (a page whose URL does not resolve is left out: no link leads nowhere) and marks the
active page, and its group, by the longest URL prefix of the path.
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


@dataclass(frozen=True)
class NavGroup:
    label: str | Promise
    items: tuple[NavItem, ...]
    is_page: bool = False  # the group is its one page (Overview, Customers, Team): shown as a link of its own


NAV_GROUPS: list[NavGroup] = [
    NavGroup(_("Overview"), (NavItem("backoffice:dashboard", _("Overview")),), is_page=True),
    NavGroup(
        _("Sales"),
        (
            NavItem("sales:receipt-list", _("Receipts"), Capability.VIEW_REPORTS),
            NavItem("reports:report-list", _("Reports"), Capability.VIEW_REPORTS),
            NavItem("sync-backoffice:live", _("Live sales"), Capability.VIEW_REPORTS),
            NavItem("bookkeeping:z-report-list", _("Z reports & shifts"), Capability.VIEW_REPORTS),
            NavItem("bookkeeping:cash-book", _("Cash book"), Capability.VIEW_REPORTS),
            NavItem("bookkeeping:export-list", _("Exports"), Capability.VIEW_REPORTS),
            NavItem("fiscal:datev-export", _("DATEV export"), Capability.VIEW_REPORTS),
        ),
    ),
    NavGroup(
        _("Articles"),
        (
            NavItem("catalog:product-list", _("Catalog"), Capability.MANAGE_CATALOG),
            NavItem("promotions:promotion-list", _("Promotions"), Capability.MANAGE_CATALOG),
            NavItem("inventory:stock-list", _("Stock"), Capability.RECEIVE_GOODS),
            NavItem("inventory:goods-receipt-list", _("Goods receipts"), Capability.RECEIVE_GOODS),
            NavItem("printing:label-list", _("Labels"), Capability.MANAGE_CATALOG),
        ),
    ),
    NavGroup(
        _("Customers"),
        (
            NavItem("customers:customer-list", _("Customers"), Capability.MANAGE_CUSTOMERS),
            NavItem("loyalty:program", _("Loyalty"), Capability.MANAGE_SETTINGS),
            NavItem("vouchers:voucher-list", _("Gift cards"), Capability.MANAGE_SETTINGS),
            NavItem("marketing:campaign-list", _("Campaigns"), Capability.MANAGE_CUSTOMERS),
        ),
    ),
    NavGroup(_("Team"), (NavItem("tenancy:employee-list", _("Team"), Capability.MANAGE_EMPLOYEES),), is_page=True),
    # What the tax office asks about: the TSE (KassenSichV) and the record of every change (GoBD).
    NavGroup(
        _("Tax office"),
        (
            NavItem("fiscal:tse-overview", _("TSE"), Capability.VIEW_REPORTS),
            NavItem("fiscal:audit-log", _("Audit log"), Capability.VIEW_REPORTS),
            NavItem("fiscal:dsfinvk-export", _("DSFinV-K export"), Capability.VIEW_REPORTS),
            NavItem("fiscal:notification-list", _("Register notice"), Capability.MANAGE_SETTINGS),
        ),
    ),
    NavGroup(
        _("Settings"),
        (
            NavItem("tenancy:settings", _("Organization"), Capability.MANAGE_SETTINGS),
            NavItem("tenancy:store-list", _("Stores and registers"), Capability.MANAGE_SETTINGS),
            NavItem("register-backoffice:device-list", _("Devices"), Capability.MANAGE_SETTINGS),
            NavItem("printing:printer-list", _("Printers"), Capability.MANAGE_SETTINGS),
            NavItem("peripherals:device-list", _("Scanners & displays"), Capability.MANAGE_SETTINGS),
            NavItem("sync-backoffice:node-list", _("Store nodes"), Capability.MANAGE_SETTINGS),
            NavItem("api-backoffice:token-list", _("API"), Capability.MANAGE_API),
            NavItem("notifications:endpoint-list", _("Webhooks"), Capability.MANAGE_API),
        ),
    ),
]


def backoffice_nav(request: HttpRequest) -> dict[str, Any]:
    """``backoffice_nav``: the groups this employee sees, each ``{"label", "url", "active", "items", "is_page"}``
    (``url``: the group's first page; ``items``: ``{"url", "label", "active"}``); a group without a page
    this employee may open is left out."""
    employee = getattr(request, "employee", None)
    if employee is None:
        return {"backoffice_nav": []}
    caps = capabilities(employee)
    groups: list[dict[str, Any]] = []
    for group in NAV_GROUPS:
        items = []
        for item in group.items:
            if item.capability and item.capability not in caps:
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue  # page not built yet
            items.append({"url": url, "label": item.label, "active": False})
        if items:
            groups.append(
                {
                    "label": group.label,
                    "url": items[0]["url"],
                    "active": False,
                    "items": items,
                    "is_page": group.is_page,
                }
            )
    # The page whose URL is the longest prefix of the path is the active one (/settings/employees/ is
    # "Employees", not also "Organization"; the overview "/" only on "/" itself), and its group with it.
    matching = [
        (g, i)
        for g in groups
        for i in g["items"]
        if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(str(i["url"])))
    ]
    if matching:
        active_group, active_item = max(matching, key=lambda gi: len(str(gi[1]["url"])))
        active_group["active"] = active_item["active"] = True
    return {"backoffice_nav": groups}
