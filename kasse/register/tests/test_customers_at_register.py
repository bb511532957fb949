"""Attaching a customer at the register: search, quick create, loyalty card scan."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from kasse.customers.models import Customer
from kasse.register.models import Cart
from kasse.testing.factories import CustomerFactory
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db


def test_search_and_attach_in_two_taps(till, organization, bakery):
    CustomerFactory(organization=organization, first_name="Jürgen", last_name="Müller")
    CustomerFactory()  # another organization's Müller must not appear
    results = soup_of(till.get("/register/customers/", {"q": "muller", "partial": "1"}))
    buttons = results.select("[data-testid=customer-result]")
    assert [b.text.split("#")[0].strip() for b in buttons] == ["Jürgen Müller"]
    customer_id = buttons[0]["hx-vals"].split('"')[3]
    cart = soup_of(till.post("/register/cart/customer/", {"customer": customer_id}))
    assert cart.select_one("[data-testid=cart-customer]").text.strip().startswith("Jürgen Müller")


def test_quick_create_asks_for_consent_from_the_register_by_email(till, organization):
    response = till.post(
        "/register/customers/new/",
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org", "marketing_consent": "on"},
    )
    assert response.status_code == 204
    with scopes_disabled():
        customer = Customer.objects.get(last_name="Lovelace")
        # double opt-in: consent counts once confirmed (kasse/marketing/tests/test_consent_and_campaigns.py)
        assert customer.marketing_consent is False
        assert customer.consent_requests.get().source == "register"
        assert Cart.objects.get().customer == customer


def test_quick_create_without_a_name_is_refused(till):
    response = till.post("/register/customers/new/", {"email": "x@example.org"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "Please enter a name or a company." in response.content.decode()
    with scopes_disabled():
        assert not Customer.objects.exists()


def test_scanning_a_loyalty_card_attaches_its_holder(till, organization):
    CustomerFactory(organization=organization, first_name="Karla", last_name="Kolumna", loyalty_card_code="KK-0042")
    cart = soup_of(till.post("/register/cart/scan/", {"code": "KK-0042"}))
    assert "Karla Kolumna" in cart.select_one("[data-testid=cart-customer]").text


def test_a_loyalty_card_number_typed_in_other_case_finds_its_holder_and_an_exact_match_wins(till, organization):
    CustomerFactory(organization=organization, first_name="Karla", last_name="Kolumna", loyalty_card_code="KK-0042")
    CustomerFactory(organization=organization, first_name="Kai", last_name="Klein", loyalty_card_code="kk-0043")
    CustomerFactory(organization=organization, first_name="Kim", last_name="Groß", loyalty_card_code="KK-0043")
    cart = soup_of(till.post("/register/cart/scan/", {"code": "kk-0042"}))
    assert "Karla Kolumna" in cart.select_one("[data-testid=cart-customer]").text
    cart = soup_of(till.post("/register/cart/scan/", {"code": "kk-0043"}))
    assert "Kai Klein" in cart.select_one("[data-testid=cart-customer]").text
