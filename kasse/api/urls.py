"""The REST API v1 (django-ninja): one NinjaAPI with a router per app."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Schema, Swagger
from ninja.openapi.schema import OpenAPISchema

import kasse
from kasse.api import catalog, customers, sales, stores, webhooks
from kasse.api.auth import ApiTokenAuth
from kasse.api.errors import register_exception_handlers
from kasse.api.types import DetailOut
from kasse.api.webhook_docs import webhooks_section
from kasse.tenancy.requests import ApiRequest

DESCRIPTION = """\
REST API of kasse for one organization.

**Authentication**: create a token in the back office (section "API") and send it as
`Authorization: Bearer kasse_…`. Without a valid token every operation answers 401.

**Conventions**
* Ids are UUIDs. An id of another organization is answered exactly like a missing one: 404.
* Money is a decimal string in euros with a point, e.g. `"2.49"`; never a JSON number.
  Prices include VAT.
* Catalog and customer lists are paged with `limit` and `offset` and answer `{"items": [...], "count": n}`.
  Sales, returns, shifts, stores, registers and stock levels are cursor pages in the order rows changed:
  `limit` and `cursor` (the `next_cursor` of the page before), answering `{"items": [...], "next_cursor": ...}`;
  with `updated_since` a client fetches only what changed since its last run.
* Refused input is 422 `{"detail": [{"field": "...", "message": "..."}]}` and changes nothing.
  Messages are German or English, after `Accept-Language`.
* Products are never deleted (past sales refer to them); deactivate them instead.

**Webhooks**: register endpoints under `/webhooks` (or in the back office, Settings → Webhooks); what kasse
sends for each event is described in the *Webhooks* section of this document.
"""


class KasseApi(NinjaAPI):
    """The API, whose OpenAPI document also describes the webhooks kasse sends (OpenAPI 3.1 ``webhooks``)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["webhooks"] = webhooks_section()
        return schema


api = KasseApi(
    title="kasse API",
    version="1",
    description=DESCRIPTION,
    auth=ApiTokenAuth(),
    urls_namespace="api-v1",
    # ninja's docs page loads Swagger UI from its own static files (no CDN) because
    # "ninja" is in INSTALLED_APPS.
    docs=Swagger(settings={"persistAuthorization": True, "defaultModelsExpandDepth": 0}),
)
register_exception_handlers(api)
api.add_router("/", catalog.router)
api.add_router("/", customers.router)
api.add_router("/", sales.router)
api.add_router("/", stores.router)
api.add_router("/", webhooks.router)


class OrganizationOut(Schema):
    id: str
    name: str
    legal_name: str
    vat_id: str
    tax_number: str
    api_version: str


@api.get("/organization", response={200: OrganizationOut, 401: DetailOut}, tags=["organization"])
def get_organization(request: ApiRequest) -> OrganizationOut:
    """The organization this token belongs to."""
    org = request.organization
    return OrganizationOut(
        id=str(org.pk),
        name=org.name,
        legal_name=org.legal_name,
        vat_id=org.vat_id,
        tax_number=org.tax_number,
        api_version=kasse.__version__,
    )
