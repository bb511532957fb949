"""Resolve the tenant of every request and activate its scope.

Callers are an API client with a bearer token, a paired register device
(cookie, on ``/register/`` paths only) or a back-office session user (active
organization kept in the session). Whatever resolves the tenant,
the view runs inside ``django_scopes.scope(organization=...)``, so every
scoped query is filtered to that organization and a foreign id is a 404.
Requests without a tenant run without a scope: scoped queries then raise.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django_scopes import scope

from kasse.tenancy.requests import KasseRequest
from kasse.tenancy.selectors import employees_for_user

SESSION_ORGANIZATION_KEY = "organization_id"
REGISTER_PATH_PREFIX = "/register/"


class OrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: KasseRequest) -> HttpResponse:
        request.organization = None
        request.employee = None
        request.api_token = None
        request.register_device = None

        auth_header = request.headers.get("Authorization", "")
        if auth_header.startswith("Bearer "):
            from kasse.api.tokens import authenticate_token

            token = authenticate_token(auth_header.removeprefix("Bearer ").strip())
            if token is not None:
                request.api_token = token
                request.organization = token.organization
        elif request.path.startswith(REGISTER_PATH_PREFIX):
            self._resolve_register_device(request)
        elif getattr(request, "user", None) is not None and request.user.is_authenticated:
            self._resolve_user(request)

        if request.organization is None:
            return self.get_response(request)
        with scope(organization=request.organization):
            return self.get_response(request)

    def _resolve_register_device(self, request: KasseRequest) -> None:
        from kasse.register.services.pairing import DEVICE_COOKIE, device_for_token

        device = device_for_token(request.COOKIES.get(DEVICE_COOKIE, ""))
        if device is not None:
            request.register_device = device
            request.organization = device.register.organization

    def _resolve_user(self, request: KasseRequest) -> None:
        employees = list(employees_for_user(request.user))  # type: ignore[arg-type]
        if not employees:
            return
        wanted = request.session.get(SESSION_ORGANIZATION_KEY)
        chosen = next((e for e in employees if str(e.organization_id) == wanted), employees[0])
        request.session[SESSION_ORGANIZATION_KEY] = str(chosen.organization_id)
        request.employee = chosen
        request.organization = chosen.organization
        request.organizations = [e.organization for e in employees]
