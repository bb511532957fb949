"""A customer's page shows their purchases: receipts linking to the journal's detail, revenue, visits and
the last visit, only of the stores the user may see sales of."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kasse.tenancy.permissions import Role
from kasse.testing.factories import CustomerFactory, EmployeeFactory, UserFactory
from kasse.testing.plugin import soup_of, text
from kasse.testing.sales_data import product, till

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def shopping(organization, store):
    """Two sales and a return in Mitte, one sale in Nord; and a sale of another customer."""
    mitte, nord = till(organization, store), till(organization, name="Filiale Nord")
    bread = product(organization, name="Brot", price="3.50")
    cheese = product(organization, name="Käse", price="12.00")
    customer = CustomerFactory(organization=organization)
    other = CustomerFactory(organization=organization)
    first = mitte.sell(bread, 2, customer=customer, at=datetime.datetime(2026, 11, 2, 9, tzinfo=BERLIN))
    mitte.sell(cheese, customer=customer, at=datetime.datetime(2026, 11, 20, 17, 5, tzinfo=BERLIN))
    back = mitte.refund(first, at=datetime.datetime(2026, 11, 21, 10, tzinfo=BERLIN))
    north = nord.sell(cheese, 2, customer=customer, at=datetime.datetime(2026, 12, 1, 12, tzinfo=BERLIN))
    mitte.sell(bread, customer=other)
    return customer, first, back, north


def _purchases(client: Client, customer) -> tuple[list[str], dict[str, str]]:
    response = client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    page = soup_of(response)
    ids = [row["data-sale-id"] for row in page.select("[data-testid=purchase-row]")]
    facts = {name: text(page, f"purchases-{name}") for name in ("revenue", "visits", "last-visit")}
    return ids, facts


def test_the_customer_page_shows_purchases_revenue_visits_and_last_visit(owner_client, shopping):
    customer, first, back, north = shopping
    ids, facts = _purchases(owner_client, customer)
    assert ids[0] == str(north.pk)
    assert ids[1] == str(back.pk)
    assert ids[-1] == str(first.pk)
    assert len(ids) == 4
    # 7.00 + 12.00 - 7.00 (return) + 24.00
    assert facts == {"revenue": "36,00 €", "visits": "3", "last-visit": "01.12.2026 12:00"}
    page = soup_of(owner_client.get(f"/customers/{customer.pk}/"))
    links = [a["href"] for a in page.select("[data-testid=purchase-link]")]
    assert links[0] == f"/sales/receipts/{north.pk}/"
    assert owner_client.get(links[0]).status_code == 200
    journal = page.select_one("[data-testid=purchases-journal]")["href"]
    assert journal == f"/sales/receipts/?customer_id={customer.pk}"


def test_a_store_manager_sees_only_the_purchases_in_their_store(organization, store, shopping):
    customer, first, back, north = shopping
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
    client = Client()
    client.force_login(user)
    ids, facts = _purchases(client, customer)
    assert str(north.pk) not in ids
    assert len(ids) == 3
    assert facts == {"revenue": "12,00 €", "visits": "2", "last-visit": "20.11.2026 17:05"}
    assert "Filiale Nord" not in client.get(f"/customers/{customer.pk}/").content.decode()


def test_a_customer_without_purchases(owner_client, organization):
    customer = CustomerFactory(organization=organization)
    page = soup_of(owner_client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="de"))
    assert text(page, "purchases-visits") == "0"
    assert text(page, "purchases-last-visit") == "–"
    assert "Noch keine Einkäufe." in text(page, "purchases-empty")


def test_the_purchases_cost_the_same_queries_however_long_the_history(owner_client, organization, store):
    mitte = till(organization, store)
    bread = product(organization, name="Brot", price="3.50")
    customer = CustomerFactory(organization=organization)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(f"/customers/{customer.pk}/").status_code == 200
        return len(ctx.captured_queries)

    mitte.sell(bread, customer=customer)
    one = queries()
    for _ in range(5):
        mitte.sell(bread, customer=customer)
    assert queries() == one
