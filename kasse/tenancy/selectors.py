"""Read queries for tenancy: who is who, and who may do what."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django_scopes import scopes_disabled

from kasse.tenancy.models import Employee, Store, StoreRole, User
from kasse.tenancy.permissions import ORGANIZATION_WIDE, Capability, role_capabilities


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
    """Whether ``employee`` may do ``capability`` in ``store``.

    ``store=None`` asks whether they may do it *somewhere* (the entry check of a
    back-office section); a page then narrows to :func:`stores_with_capability`.
    """
    return capability in capabilities(employee, store)


def _roles_of(employee: Employee) -> list[tuple[object, str]]:
    capabilities(employee)  # fills the cache
    return employee._role_cache  # type: ignore[attr-defined]


def has_capability_everywhere(employee: Employee | None, capability: str) -> bool:
    """Whether ``capability`` comes from an all-stores role (so it holds in every store, new ones too)."""
    if employee is None or not employee.is_active:
        return False
    return any(store_id is None and capability in role_capabilities(role) for store_id, role in _roles_of(employee))


def stores_with_capability(employee: Employee | None, capability: str) -> set | None:
    """The ids of the stores where ``employee`` may do ``capability``; ``None`` means every store."""
    if has_capability_everywhere(employee, capability):
        return None
    if employee is None or not employee.is_active:
        return set()
    return {
        store_id
        for store_id, role in _roles_of(employee)
        if store_id is not None and capability in role_capabilities(role) - ORGANIZATION_WIDE
    }


def may_manage_employee(acting: Employee | None, employee: Employee) -> bool:
    """Whether ``acting`` may see and change ``employee``: they manage employees in every store
    where ``employee`` has a role (an all-stores role, or no role at all, needs an all-stores manager)."""
    allowed = stores_with_capability(acting, Capability.MANAGE_EMPLOYEES)
    if allowed is None:
        return True
    with scopes_disabled():
        held = list(StoreRole.objects.filter(employee=employee).values_list("store_id", flat=True))
    return bool(held) and all(store_id is not None and store_id in allowed for store_id in held)


def manageable_employees(acting: Employee | None, queryset: QuerySet[Employee]) -> QuerySet[Employee]:
    """``queryset`` narrowed to the employees :func:`may_manage_employee` allows."""
    allowed = stores_with_capability(acting, Capability.MANAGE_EMPLOYEES)
    if allowed is None:
        return queryset
    with scopes_disabled():
        elsewhere = StoreRole.objects.filter(Q(store__isnull=True) | ~Q(store_id__in=allowed))
        return queryset.filter(pk__in=StoreRole.objects.values("employee_id")).exclude(
            pk__in=elsewhere.values("employee_id")
        )


def register_staff(store: Store, capability: str | None = None) -> list[Employee]:
    """Active employees with a PIN who may work at ``store`` (tiles on the lock screen, approvers).

    With ``capability``, only those whose role grants it in that store. An
    organization-wide role counts in every store.
    """
    from django.db.models import Q

    with scopes_disabled():
        roles = (
            StoreRole.objects.filter(
                Q(store=store) | Q(store__isnull=True), organization_id=store.organization_id, employee__is_active=True
            )
            .exclude(employee__pin_digest="")
            .select_related("employee")
        )
        found: dict[object, Employee] = {}
        for role in roles:
            if capability is None or capability in role_capabilities(role.role):
                found[role.employee_id] = role.employee
    return sorted(found.values(), key=lambda e: (e.display_name.casefold(), e.employee_number, str(e.pk)))


def register_staff_member(
    store: Store, *, employee_id: str = "", employee_number: str = "", capability: str | None = None
) -> Employee | None:
    """The one employee picked at the register (by tile id or typed employee number), or ``None``."""
    staff = register_staff(store, capability)
    if employee_number:
        matches = [e for e in staff if e.employee_number == employee_number.strip()]
        return matches[0] if len(matches) == 1 else None
    return next((e for e in staff if str(e.pk) == employee_id), None)


def actor_may_everywhere(actor: object, organization_id: Any, capability: str) -> bool:
    """Whether a back-office user may do ``capability`` for the whole organization (an all-stores role).

    Organization-wide data that every store uses (the catalog's products, categories and their
    prices) is changed only by owners and all-stores managers; a store-bound role would otherwise
    change what other stores sell. Other actors are checked where they enter, as in :func:`actor_may`.
    """
    user = getattr(actor, "user", None)
    if getattr(actor, "kind", "") != "user" or user is None:
        return True
    with scopes_disabled():
        acting = Employee.objects.filter(organization_id=organization_id, user=user, is_active=True).first()
    return has_capability_everywhere(acting, capability)


def actor_may(actor: object, organization_id: Any, capability: str, store: Store) -> bool:
    """Whether a back-office user acting in an organization may do ``capability`` in ``store``.

    Other actors (system, API token, device, node) are checked where they enter.
    """
    user = getattr(actor, "user", None)
    if getattr(actor, "kind", "") != "user" or user is None:
        return True
    with scopes_disabled():
        acting = Employee.objects.filter(organization_id=organization_id, user=user, is_active=True).first()
    return has_capability(acting, capability, store)
