"""Customer pages: search as you type, pagination, create/edit with consent, detail, permissions."""

from __future__ import annotations

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from kasse.core.models import AuditEntry
from kasse.customers.models import Customer
from kasse.tenancy.permissions import Role
from kasse.testing.factories import CustomerFactory, EmployeeFactory, UserFactory
from kasse.testing.plugin import soup_of, texts

pytestmark = pytest.mark.django_db
DE = {"HTTP_ACCEPT_LANGUAGE": "de"}

FORM = {
    "first_name": "Jürgen",
    "last_name": "Weiß",
    "company": "",
    "email": "juergen@example.org",
    "phone": "0171 555",
    "street": "Gartenstraße 2",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "de",
    "vat_id": "",
    "loyalty_card_code": "",
    "notes": "Mag Roggenbrot.",
    "is_active": "on",
}


def _customer(**lookup) -> Customer:
    with scopes_disabled():
        return Customer.objects.get(**lookup)


def test_owner_creates_a_customer_with_marketing_consent(owner_client, organization):
    # When the owner creates a customer who agrees to marketing
    response = owner_client.post("/customers/new/", {**FORM, "marketing_consent": "on"}, **DE)
    # Then the customer has the next number, all fields, and consent recorded from the back office
    assert response.status_code == 302
    customer = _customer(last_name="Weiß")
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert (customer.customer_number, customer.first_name, customer.email, customer.country, customer.notes) == (
        10001,
        "Jürgen",
        "juergen@example.org",
        "DE",
        "Mag Roggenbrot.",
    )
    assert customer.marketing_consent is True
    assert customer.marketing_consent_source == "backoffice"
    assert customer.marketing_consent_at is not None
    assert customer.loyalty_card_code is None
    # And the detail page shows it
    page = soup_of(owner_client.get(response["Location"], **DE))
    assert texts(page, "customer-title") == ["Jürgen Weiß"]
    assert texts(page, "fact-number") == ["10001"]
    assert texts(page, "fact-consent")[0].startswith("stimmt zu · erfasst ")
    assert texts(page, "fact-consent")[0].endswith(", Im Back Office")


def test_withdrawing_consent_records_the_time_and_source(owner_client, organization):
    customer = CustomerFactory(
        organization=organization, last_name="Weiß", marketing_consent=True, marketing_consent_source="register"
    )
    response = owner_client.post(f"/customers/{customer.pk}/edit/", {**FORM}, **DE)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.marketing_consent, customer.marketing_consent_source) == (False, "backoffice")
    assert customer.marketing_consent_at is not None


def test_unchanged_consent_keeps_its_record(owner_client, organization):
    customer = CustomerFactory(organization=organization, marketing_consent=False)
    owner_client.post(f"/customers/{customer.pk}/edit/", {**FORM, "city": "Potsdam"}, **DE)
    customer.refresh_from_db()
    assert (customer.city, customer.marketing_consent_at, customer.marketing_consent_source) == ("Potsdam", None, "")


def test_customer_needs_a_name_or_company(owner_client):
    response = owner_client.post("/customers/new/", {**FORM, "first_name": "", "last_name": ""}, **DE)
    assert response.status_code == 400
    assert texts(soup_of(response), "error-last_name") == ["Bitte geben Sie einen Namen oder eine Firma ein."]
    with scopes_disabled():
        assert Customer.objects.count() == 0


def test_duplicate_loyalty_card_is_refused_and_nothing_changes(owner_client, organization):
    CustomerFactory(organization=organization, loyalty_card_code="CARD-1")
    other = CustomerFactory(organization=organization, last_name="Anders", loyalty_card_code=None)
    with scopes_disabled():
        audits = AuditEntry.objects.count()
    response = owner_client.post(
        f"/customers/{other.pk}/edit/", {**FORM, "last_name": "Neu", "loyalty_card_code": "CARD-1"}, **DE
    )
    assert response.status_code == 400
    assert texts(soup_of(response), "error-loyalty_card_code") == [
        "Diese Kundenkarte ist bereits einem anderen Kunden zugeordnet."
    ]
    other.refresh_from_db()
    assert (other.last_name, other.loyalty_card_code) == ("Anders", None)
    with scopes_disabled():
        assert AuditEntry.objects.count() == audits


def test_invalid_email_is_refused(owner_client):
    response = owner_client.post("/customers/new/", {**FORM, "email": "kein-at"}, **DE)
    assert response.status_code == 400
    assert texts(soup_of(response), "error-email") == ["Bitte gültige E-Mail-Adresse eingeben."]


def test_search_as_you_type_returns_the_results_partial(owner_client, organization):
    # Given Jürgen Weiß and Anna Schmidt
    CustomerFactory(organization=organization, first_name="Jürgen", last_name="Weiß", search_text="jurgen weiss")
    CustomerFactory(organization=organization, first_name="Anna", last_name="Schmidt", search_text="anna schmidt")
    # When the search box sends "jurgen" through htmx
    response = owner_client.get(
        "/customers/", {"q": "jurgen"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-results", **DE
    )
    # Then only the results partial comes back, with Jürgen alone
    page = soup_of(response)
    assert page.select_one("html") is None
    assert texts(page, "customer-name") == ["Jürgen Weiß"]


def test_search_finds_by_number_and_card(owner_client, organization):
    from kasse.core.actors import Actor
    from kasse.customers.services import save_customer

    save_customer(
        actor=Actor.system(), organization=organization, data={"last_name": "Weiß", "loyalty_card_code": "KK-777"}
    )
    page = soup_of(owner_client.get("/customers/", {"q": "KK-777"}, **DE))
    assert texts(page, "customer-name") == ["Weiß"]
    page = soup_of(owner_client.get("/customers/", {"q": "10001"}, **DE))
    assert texts(page, "customer-name") == ["Weiß"]


def test_empty_search_says_so(owner_client, organization):
    page = soup_of(owner_client.get("/customers/", {"q": "zzz"}, **DE))
    assert texts(page, "customer-empty") == ["Keine Kunden passen zu „zzz“."]


def test_list_is_paginated(owner_client, organization):
    for n in range(55):
        CustomerFactory(organization=organization, last_name=f"Kunde {n:02d}", search_text=f"kunde {n:02d}")
    first = soup_of(owner_client.get("/customers/", **DE))
    assert len(first.select("[data-testid=customer-row]")) == 50
    assert texts(first, "page-info") == ["Seite 1 von 2 (55 Kunden)"]
    second = soup_of(owner_client.get("/customers/", {"page": "2"}, **DE))
    assert len(second.select("[data-testid=customer-row]")) == 5


def test_list_query_count_is_bounded(owner_client, organization, django_assert_max_num_queries):
    for _ in range(30):
        CustomerFactory(organization=organization)
    with django_assert_max_num_queries(12):
        owner_client.get("/customers/")


def test_another_organizations_customers_are_not_listed(owner_client, organization):
    CustomerFactory(last_name="Fremdkunde", search_text="fremdkunde")
    page = soup_of(owner_client.get("/customers/", **DE))
    assert "Fremdkunde" not in page.text


def test_cashier_with_a_login_gets_403(organization, store):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=Role.CASHIER)
    client = Client()
    client.force_login(user)
    customer = CustomerFactory(organization=organization)
    assert client.get("/customers/").status_code == 403
    assert client.get(f"/customers/{customer.pk}/").status_code == 403
    assert client.post("/customers/new/", FORM).status_code == 403
    with scopes_disabled():
        assert Customer.objects.count() == 1


def test_manager_may_manage_customers(organization, store):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    client = Client()
    client.force_login(user)
    assert client.post("/customers/new/", FORM).status_code == 302
