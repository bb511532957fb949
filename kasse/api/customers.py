"""Customer endpoints: list and search, read, create, change.

Writes go through :func:`kasse.customers.services.save_customer`; a change of
marketing consent is recorded with the source ``api``.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from kasse.api.types import ERRORS, ERRORS_WITH_ID, Pagination, Text, parse_since
from kasse.core.actors import Actor
from kasse.customers.models import ConsentSource, Customer
from kasse.customers.selectors import search_customers
from kasse.customers.services import save_customer
from kasse.tenancy.models import Organization
from kasse.tenancy.requests import ApiRequest

router = Router(tags=["customers"])


class CustomerOut(Schema):
    id: UUID
    customer_number: int = Field(..., description="Sequential per organization.", examples=[10001])
    first_name: str = Field(..., examples=["Anna"])
    last_name: str = Field(..., examples=["Schmidt"])
    company: str
    email: str = Field(..., examples=["anna.schmidt@example.org"])
    phone: str
    street: str = Field(..., examples=["Hauptstraße 5"])
    postal_code: str = Field(..., examples=["10115"])
    city: str = Field(..., examples=["Berlin"])
    country: str = Field(..., description="ISO 3166-1 alpha-2 code.", examples=["DE"])
    vat_id: str
    notes: str
    loyalty_card_code: str | None = Field(None, description="Code printed on the loyalty card.")
    marketing_consent: bool
    marketing_consent_at: datetime | None = Field(None, description="When consent was last given or withdrawn.")
    marketing_consent_source: str = Field(
        ..., description="Where consent was last changed: " + ", ".join(ConsentSource.values) + ", or empty."
    )
    is_active: bool
    created_at: datetime
    updated_at: datetime


class CustomerFields(Schema):
    model_config = ConfigDict(extra="forbid")

    first_name: Text = Field("", max_length=100, examples=["Anna"])
    last_name: Text = Field("", max_length=100, examples=["Schmidt"])
    company: Text = Field("", max_length=200)
    email: Text = Field("", max_length=254, examples=["anna.schmidt@example.org"])
    phone: Text = Field("", max_length=40)
    street: Text = Field("", max_length=200)
    postal_code: Text = Field("", max_length=20)
    city: Text = Field("", max_length=100)
    country: Text = Field("DE", max_length=2, description="ISO 3166-1 alpha-2 code.")
    vat_id: Text = Field("", max_length=20)
    notes: Text = ""
    loyalty_card_code: Text | None = Field(None, max_length=48)
    marketing_consent: bool = Field(False, description="Changing it records the time and the source `api`.")
    is_active: bool = True


class CustomerIn(CustomerFields):
    """A name or a company is required."""


class CustomerPatch(Schema):
    """Only the fields sent are changed; null leaves a field as it is (except `loyalty_card_code`)."""

    model_config = ConfigDict(extra="forbid")

    first_name: Text | None = Field(None, max_length=100)
    last_name: Text | None = Field(None, max_length=100)
    company: Text | None = Field(None, max_length=200)
    email: Text | None = Field(None, max_length=254)
    phone: Text | None = Field(None, max_length=40)
    street: Text | None = Field(None, max_length=200)
    postal_code: Text | None = Field(None, max_length=20)
    city: Text | None = Field(None, max_length=100)
    country: Text | None = Field(None, max_length=2)
    vat_id: Text | None = Field(None, max_length=20)
    notes: Text | None = None
    loyalty_card_code: Text | None = Field(None, max_length=48)
    marketing_consent: bool | None = None
    is_active: bool | None = None


class CustomerFilters(Schema):
    q: Text | None = Field(
        None,
        max_length=200,
        description="Search words (name, company, e-mail, phone, number, city) or a loyalty card code.",
    )
    active: bool | None = Field(None, description="Only active (true) or inactive (false) customers.")
    updated_since: datetime | None = Field(None, description="Only customers changed at or after this time.")


def _org(request: ApiRequest) -> Organization:
    return request.organization


def _save(request: ApiRequest, data: dict[str, Any], customer: Customer | None) -> Customer:
    return save_customer(
        actor=Actor.for_api_token(request.api_token),
        organization=_org(request),
        data=data,
        customer=customer,
        consent_source=ConsentSource.API,
    )


@router.get("/customers", response={200: list[CustomerOut], **ERRORS}, url_name="customer_list")
@paginate(Pagination)
def list_customers(request: ApiRequest, filters: Query[CustomerFilters]) -> QuerySet[Customer]:
    """Customers by name; searchable."""
    qs = search_customers(_org(request), filters.q or "")
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    since = parse_since(filters.updated_since)
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    return qs.order_by("last_name", "first_name", "company", "pk")


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS_WITH_ID}, url_name="customer_detail")
def get_customer(request: ApiRequest, customer_id: UUID) -> Customer:
    """One customer."""
    return get_object_or_404(Customer, organization=_org(request), pk=customer_id)


@router.post("/customers", response={201: CustomerOut, **ERRORS}, url_name="customer_create")
def create_customer(request: ApiRequest, payload: CustomerIn) -> Status[Customer]:
    """Create a customer; the customer number is given by kasse."""
    return Status(201, _save(request, payload.model_dump(), None))


@router.put("/customers/{customer_id}", response={200: CustomerOut, **ERRORS_WITH_ID}, url_name="customer_detail")
def replace_customer(request: ApiRequest, customer_id: UUID, payload: CustomerIn) -> Customer:
    """Change a customer; fields left out get their defaults."""
    customer = get_object_or_404(Customer, organization=_org(request), pk=customer_id)
    return _save(request, payload.model_dump(), customer)


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **ERRORS_WITH_ID}, url_name="customer_detail")
def update_customer(request: ApiRequest, customer_id: UUID, payload: CustomerPatch) -> Customer:
    """Change the fields sent."""
    customer = get_object_or_404(Customer, organization=_org(request), pk=customer_id)
    data = {
        k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None or k == "loyalty_card_code"
    }
    return _save(request, data, customer)
