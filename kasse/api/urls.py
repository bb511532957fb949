"""The REST API v1 (django-ninja): one NinjaAPI with a router per app."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI, Schema

import kasse
from kasse.api.auth import ApiTokenAuth

api = NinjaAPI(
    title="kasse API",
    version="1",
    description="REST API of kasse for one organization. Authenticate with `Authorization: Bearer <token>`.",
    auth=ApiTokenAuth(),
    urls_namespace="api-v1",
)


class OrganizationOut(Schema):
    id: str
    name: str
    legal_name: str
    vat_id: str
    tax_number: str
    api_version: str


@api.get("/organization", response=OrganizationOut, tags=["organization"])
def get_organization(request: HttpRequest) -> OrganizationOut:
    """The organization this token belongs to."""
    org = request.organization  # type: ignore[attr-defined]
    return OrganizationOut(
        id=str(org.pk), name=org.name, legal_name=org.legal_name, vat_id=org.vat_id,
        tax_number=org.tax_number, api_version=kasse.__version__,
    )
