"""The tenant-isolation test base every page and endpoint joins.

Each app lists, in ``kasse/<app>/isolation.py``, an :class:`IsolationCase` per
URL that takes an object id. The central test
(``kasse/tests/test_tenant_isolation.py``) creates the object in organization
A, then asks for it as an owner of organization B (session) and with an API
token of organization B, and expects the same 404 a missing id gets, with
nothing changed. A second test fails when a URL with an id parameter has no
case, so a new endpoint cannot forget to join.

The store dimension: the same object asked for inside its own organization by
a manager bound to another store (session cases), or by a register of another
store (register cases), is the same answer as a missing id (404, or 403 where
the page needs a capability no store-bound role has) with nothing changed.
Objects that belong to the whole organization (products, categories,
customers) say so with ``organization_wide=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kasse.tenancy.models import Organization


@dataclass(frozen=True)
class IsolationCase:
    """``make(org_a)`` creates the object(s) in org A and returns the URL kwargs."""

    url_name: str
    make: Callable[[Organization], dict[str, Any]]
    methods: tuple[str, ...] = ("get",)
    data: dict[str, Any] = field(default_factory=dict)
    # Who asks: "session" (back-office owner), "api" (bearer token) or "register" (a paired,
    # unlocked register device). API URLs are always asked with a token.
    caller: str = "session"
    # The object belongs to the organization, not to a store (catalog, customers): a store-bound
    # manager with the capability reaches it. Leave False for anything of a store.
    organization_wide: bool = False

    @property
    def is_api(self) -> bool:
        return self.url_name.startswith("api-v1:")


def collect_cases() -> list[IsolationCase]:
    """All cases of all kasse apps (modules ``kasse.<app>.isolation`` with ``CASES``)."""
    import importlib

    from django.apps import apps

    cases: list[IsolationCase] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("kasse."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.isolation")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.isolation":
                raise
            continue
        cases.extend(module.CASES)
    return cases


def urls_with_ids() -> list[str]:
    """Names of every URL pattern that has a path parameter (``namespace:name``)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[str] = []

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                if pattern.namespace and namespace:
                    ns = f"{namespace}:{pattern.namespace}"
                walk(pattern.url_patterns, ns)
            elif (
                isinstance(pattern, URLPattern)
                and pattern.name
                and (pattern.pattern.converters or "(?P<" in str(pattern.pattern))
            ):
                found.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return sorted(set(found))


# URL names with parameters that are not object ids of a tenant (e.g. e-mail tokens).
NOT_TENANT_OBJECTS: set[str] = {
    "media",
    "register:icon",
    "register:cart-action",
    "signup:verify",
    "backoffice:password-reset-confirm",
    "signup:invitation",
    "javascript-catalog",
    # The digital receipt's link: keyed by an unguessable token, not an id (docs/receipts.md)
    "digital-receipt:receipt-show",
    "digital-receipt:receipt-pdf",
    # The digital loyalty card and the links in marketing e-mails: keyed by a token (docs/security.md)
    "loyalty-public:card",
    "loyalty-public:card-manifest",
    "marketing-public:consent-confirm",
    "marketing-public:unsubscribe",
    # A gift card's balance page: keyed by the unguessable token printed on its receipt (docs/vouchers.md)
    "vouchers-public:balance",
}
