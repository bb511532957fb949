"""API authentication: the bearer token was resolved by the tenancy middleware."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer


class ApiTokenAuth(HttpBearer):
    """Accepts a request whose bearer token the tenancy middleware already resolved.

    The middleware has activated the organization's scope; this only refuses
    requests without a valid token (401).
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return getattr(request, "api_token", None)
