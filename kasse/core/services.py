"""The decorator every tenant write service wears."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django_scopes import scope

P = ParamSpec("P")
R = TypeVar("R")


def _organization_of(kwargs: dict[str, Any]) -> Any:
    """The organization (or its id, which scopes filter by just as well) the call is about."""
    if kwargs.get("organization") is not None:
        return kwargs["organization"]
    for value in kwargs.values():
        if hasattr(value, "_meta") and getattr(value, "organization_id", None) is not None:
            return value.organization_id  # no query for the organization row
    raise TypeError("a tenant service needs an organization (or a tenant object) as keyword argument")


def tenant_service(func: Callable[P, R]) -> Callable[P, R]:
    """Run a write service in one transaction, inside its organization's scope.

    Services are called from requests, the API, management commands, sync and
    tests; each runs its queries in the scope of the organization it was given
    (keyword ``organization``, or the ``organization`` of a tenant object
    argument such as ``store=``), so no caller has to remember to set it.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        organization = _organization_of(kwargs)
        with scope(organization=organization), transaction.atomic():
            return func(*args, **kwargs)

    return wrapper
