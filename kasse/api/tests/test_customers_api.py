"""Customer endpoints."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.customers.models import Customer
from kasse.testing.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_create_customer_records_consent_from_the_api(api, organization):
    response = api.post(
        "/customers",
        {"first_name": "Anna", "last_name": "Schmidt", "email": "anna@example.org", "marketing_consent": True},
    )
    assert response.status_code == 201
    body = response.json()
    assert {
        k: body[k]
        for k in (
            "customer_number",
            "first_name",
            "last_name",
            "email",
            "country",
            "loyalty_card_code",
            "marketing_consent",
            "marketing_consent_source",
        )
    } == {
        "customer_number": 10001,
        "first_name": "Anna",
        "last_name": "Schmidt",
        "email": "anna@example.org",
        "country": "DE",
        "loyalty_card_code": None,
        "marketing_consent": True,
        "marketing_consent_source": "api",
    }
    assert body["marketing_consent_at"] is not None


def test_customer_list_searches_without_umlauts(api, organization):
    CustomerFactory(organization=organization, first_name="Jürgen", last_name="Müller")
    CustomerFactory(organization=organization, first_name="Anna", last_name="Schmidt")
    found = api.get("/customers", {"q": "muller"}).json()
    assert [c["last_name"] for c in found["items"]] == ["Müller"]
    assert api.get("/customers").json()["count"] == 2


def test_customer_list_has_a_query_budget(api, organization, django_assert_max_num_queries):
    for _ in range(25):
        CustomerFactory(organization=organization)
    with django_assert_max_num_queries(5):
        assert len(api.get("/customers").json()["items"]) == 25


def test_patch_customer_changes_only_the_fields_sent(api, organization):
    customer = CustomerFactory(organization=organization, first_name="Anna", last_name="Schmidt", city="Berlin")
    response = api.patch(f"/customers/{customer.pk}", {"city": "Hamburg", "loyalty_card_code": "K-1001"})
    assert response.status_code == 200
    with scopes_disabled():
        customer.refresh_from_db()
    assert (customer.first_name, customer.city, customer.loyalty_card_code) == ("Anna", "Hamburg", "K-1001")


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Enter a valid email address."),
        ("de", "Bitte gültige E-Mail-Adresse eingeben."),
    ],
)
def test_invalid_email_is_422_and_changes_nothing(api, organization, counts, language, message):
    customer = CustomerFactory(organization=organization, email="anna@example.org")
    before = counts()
    response = api.put(f"/customers/{customer.pk}", {"last_name": "Schmidt", "email": "anna@"}, language=language)
    assert response.status_code == 422
    assert response.json() == {"detail": [{"field": "email", "message": message}]}
    assert counts() == before
    with scopes_disabled():
        assert Customer.objects.get(pk=customer.pk).email == "anna@example.org"


def test_loyalty_card_of_another_customer_is_refused(api, organization, counts):
    CustomerFactory(organization=organization, loyalty_card_code="K-1")
    before = counts()
    response = api.post("/customers", {"last_name": "Neu", "loyalty_card_code": "K-1"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "loyalty_card_code"
    assert counts() == before


def test_updated_since_with_an_unusual_offset_is_understood(db):
    """ISO 8601 allows offsets PostgreSQL refuses; the API converts them to UTC (found by schemathesis)."""
    from kasse.api.tokens import create_api_token
    from kasse.core.actors import Actor
    from kasse.testing.factories import CustomerFactory, OrganizationFactory

    org = OrganizationFactory()
    CustomerFactory(organization=org)
    _token, raw = create_api_token(actor=Actor.system(), organization=org, name="t")
    from django.test import Client

    response = Client().get(
        "/api/v1/customers", {"updated_since": "0245-02-12T02:49:54.0095-16:32"}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 200
    assert len(response.json()["items"]) == 1
