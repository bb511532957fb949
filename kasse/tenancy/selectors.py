"""Read queries for tenancy: who is who, and who may do what."""

from __future__ import annotations

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from kasse.tenancy.models import Employee, Organization, Store, StoreRole, User, pin_digest
from kasse.tenancy.permissions import ORGANIZATION_WIDE, role_capabilities


def employees_for_user(user: User) -> QuerySet[Employee]:
    """The active employee records of a user across organizations (for the org switcher)."""
    with scopes_disabled():
        return (
            Employee.objects.filter(user=user, is_active=True, organization__is_active=True)
            .select_related("organization")
            .order_by("organization__name")
        )


def capabilities(employee: Employee | None, store: Store | None = None) -> frozenset[str]:
    """Capabilities of an employee, in one store or (``store=None``) organization-wide.

    An organization-wide role counts in every store; a store-bound role counts
    only in its store and never grants :data:`ORGANIZATION_WIDE` capabilities.
    """
    if employee is None or not employee.is_active:
        return frozenset()
    cached = getattr(employee, "_role_cache", None)
    if cached is None:
        with scopes_disabled():
            cached = list(StoreRole.objects.filter(employee=employee).values_list("store_id", "role"))
        employee._role_cache = cached  # type: ignore[attr-defined]
    result: set[str] = set()
    for store_id, role in cached:
        caps = role_capabilities(role)
        if store_id is None:
            result |= caps
        elif store is None or store_id == store.pk:
            result |= caps - ORGANIZATION_WIDE
    return frozenset(result)


def has_capability(employee: Employee | None, capability: str, store: Store | None = None) -> bool:
    return capability in capabilities(employee, store)


def employee_by_pin(organization: Organization, pin: str) -> Employee | None:
    """The active employee whose register PIN this is, or ``None``."""
    if not pin or not pin.isdigit():
        return None
    with scopes_disabled():
        return Employee.objects.filter(
            organization=organization, pin_digest=pin_digest(organization, pin), is_active=True
        ).first()
