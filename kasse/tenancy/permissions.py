"""Capabilities and roles: the one table of who may do what.

Roles are bound to an organization or to one store (``StoreRole``); checks
happen at entry points (views, API, register actions) with
:func:`kasse.tenancy.selectors.has_capability`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Capability(models.TextChoices):
    SELL = "sell", _("Sell at the register")
    REFUND = "refund", _("Refund with a receipt")
    MANAGER_OVERRIDE = "manager_override", _("Approve price overrides, large discounts, returns without receipt")
    CASH_MANAGEMENT = "cash_management", _("Cash in/out and open the drawer")
    CLOSE_SHIFT = "close_shift", _("Open and close shifts, Z reports")
    VIEW_REPORTS = "view_reports", _("View sales and reports")
    MANAGE_CATALOG = "manage_catalog", _("Manage products and prices")
    RECEIVE_GOODS = "receive_goods", _("Book goods receipts")
    MANAGE_CUSTOMERS = "manage_customers", _("Manage customers")
    MANAGE_EMPLOYEES = "manage_employees", _("Manage employees and roles")
    MANAGE_SETTINGS = "manage_settings", _("Manage organization, stores, registers and devices")
    MANAGE_API = "manage_api", _("Manage API tokens and integrations")


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    CASHIER = "cashier", _("Cashier")


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(Capability.values),
    Role.MANAGER: frozenset(
        {
            Capability.SELL,
            Capability.REFUND,
            Capability.MANAGER_OVERRIDE,
            Capability.CASH_MANAGEMENT,
            Capability.CLOSE_SHIFT,
            Capability.VIEW_REPORTS,
            Capability.MANAGE_CATALOG,
            Capability.RECEIVE_GOODS,
            Capability.MANAGE_CUSTOMERS,
            Capability.MANAGE_EMPLOYEES,
        }
    ),
    Role.CASHIER: frozenset({Capability.SELL, Capability.REFUND, Capability.CLOSE_SHIFT}),
}

# Capabilities that only make sense organization-wide; a store-bound role never grants them.
ORGANIZATION_WIDE = frozenset({Capability.MANAGE_SETTINGS, Capability.MANAGE_API})


def role_capabilities(role: str) -> frozenset[str]:
    return ROLE_CAPABILITIES[Role(role)]
