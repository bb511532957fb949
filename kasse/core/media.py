"""Uploaded files in dev and demo (production serves ``MEDIA_ROOT`` behind its own web server).

Only somebody of an organization (a back-office login, an API token or a
paired register) gets a file, and only a file of their organization: anything
else is the same 404 as a missing file.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.static import serve
from django_scopes import scope


def _belongs_to(organization: Any, path: str) -> bool:
    from kasse.catalog.models import Product

    return Product.objects.filter(organization=organization, image=path).exists()


def _organization(request: HttpRequest) -> Any:
    """The login's or token's organization (set by the middleware), else a paired register's."""
    organization = getattr(request, "organization", None)
    if organization is None:
        from kasse.register.services.pairing import DEVICE_COOKIE, device_for_token

        device = device_for_token(request.COOKIES.get(DEVICE_COOKIE, ""))
        organization = device.register.organization if device is not None else None
    return organization


def protected_media(request: HttpRequest, path: str) -> HttpResponseBase:
    organization = _organization(request)
    if organization is None:
        raise Http404
    with scope(organization=organization):
        if not _belongs_to(organization, path):
            raise Http404
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))
