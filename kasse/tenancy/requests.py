"""The request as our middlewares and entry-point decorators leave it, for the type checker.

Django's ``HttpRequest`` knows nothing of the attributes kasse sets on it. These
classes name them, one per surface, so a view says which surface it serves by
the type of its ``request`` and mypy checks every use. They are annotations
only: nothing instantiates them, the objects at run time are Django's requests.

- :class:`KasseRequest`: every request after ``OrganizationMiddleware``
  (``kasse.tenancy.middleware``): the tenant if one was resolved, and django-htmx's
  ``request.htmx``.
- :class:`BackofficeRequest`: behind ``backoffice_view`` (``kasse.backoffice.access``):
  a logged-in user acting as an employee of the active organization.
- :class:`ApiRequest`: behind the API's token authentication (``kasse.api``).
- :class:`RegisterRequest`: behind ``register_view(needs_cashier=False)``
  (``kasse.register.access``): a paired register device; :class:`CashierRequest`
  behind ``register_view()`` adds the unlocked cashier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:  # types only: the middleware resolves these lazily, tenancy does not import them
    from django_htmx.middleware import HtmxDetails

    from kasse.api.models import ApiToken
    from kasse.register.models import RegisterDevice, RegisterSettings
    from kasse.tenancy.models import Employee, Organization, Register, User


class KasseRequest(HttpRequest):
    """Any request: the tenant when one was resolved (else None), and what django-htmx adds."""

    organization: Organization | None
    employee: Employee | None
    organizations: list[Organization]
    api_token: ApiToken | None
    register_device: RegisterDevice | None
    htmx: HtmxDetails


class BackofficeRequest(KasseRequest):
    """A back-office page: a logged-in user, the employee they act as, and that employee's organization."""

    user: User
    organization: Organization
    employee: Employee


class ApiRequest(KasseRequest):
    """A REST API call authenticated by a token of ``organization``."""

    organization: Organization
    api_token: ApiToken


class RegisterRequest(KasseRequest):
    """A register page of a paired device (maybe locked: no cashier yet)."""

    organization: Organization
    register_device: RegisterDevice
    register: Register
    cashier: Employee | None
    register_settings: RegisterSettings


class CashierRequest(RegisterRequest):
    """A register page with an unlocked cashier."""

    cashier: Employee
