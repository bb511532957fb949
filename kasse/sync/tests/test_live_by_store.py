"""Live sales of a store-bound manager: their stores only, on the page and over /ws/live/."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.test import Client
from django_scopes import scopes_disabled
from websockets.sync.client import connect

from kasse.register.isolation import _sale
from kasse.sales.models import Sale
from kasse.sync.engine.changes import publish_live
from kasse.sync.engine.registry import spec_for
from kasse.tenancy.permissions import Role
from kasse.testing.asgi_server import asgi_server
from kasse.testing.factories import EmployeeFactory, OrganizationFactory, UserFactory, owner_user


def _two_stores_with_a_sale_each(organization) -> tuple[Sale, Sale]:
    with scopes_disabled():
        mine = Sale.objects.select_related("store").get(pk=_sale(organization)["sale_id"])
        theirs = Sale.objects.select_related("store").get(pk=_sale(organization)["sale_id"])
    return mine, theirs


def _manager_of(organization, store) -> Client:
    """A signed-in manager of ``store`` (``None``: of all stores)."""
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER) if store else Role.MANAGER)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_store_manager_sees_only_their_stores_live_sales(organization, owner):
    mine, theirs = _two_stores_with_a_sale_each(organization)
    page = BeautifulSoup(_manager_of(organization, mine.store).get("/nodes/live/").content, "html.parser")
    assert [row["data-id"] for row in page.select("[data-testid=live-sale]")] == [str(mine.pk)]
    directory = json.loads(page.select_one("#live-directory").string)
    assert list(directory["stores"]) == [str(mine.store_id)]
    assert list(directory["registers"]) == [str(mine.register_id)]
    # while an owner sees both
    owner_client = Client()
    owner_client.force_login(owner)
    page = BeautifulSoup(owner_client.get("/nodes/live/").content, "html.parser")
    assert {row["data-id"] for row in page.select("[data-testid=live-sale]")} == {str(mine.pk), str(theirs.pk)}


def _publish(*sales: Sale) -> None:
    """What the cloud does when it stores a completed sale (outside a transaction: sent at once)."""
    for sale in sales:
        publish_live(spec_for(sale), [sale])  # type: ignore[arg-type]


def _received_over_the_socket(client: Client, *published: Sale, last: Sale) -> list[str]:
    """The ids of the sales ``client``'s /ws/live/ connection receives when ``published`` are
    published in order, then ``last`` (a sale ``client`` may see): a connection receives in the order
    sent, so once ``last`` arrives nothing published before it is still on its way."""
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with (
        asgi_server() as base_url,
        connect(
            base_url.replace("http://", "ws://") + "/ws/live/",
            open_timeout=5,
            additional_headers={"Cookie": f"sessionid={session}"},
        ) as ws,
    ):
        _publish(*published, last)
        copies_of_last = 1 + sum(sale.pk == last.pk for sale in published)  # ``client`` receives every one
        received: list[str] = []
        while received.count(str(last.pk)) < copies_of_last:
            received.append(json.loads(ws.recv(timeout=10))["sale"]["id"])
        return received[:-1]


@pytest.mark.django_db(transaction=True)
def test_a_store_manager_is_sent_only_their_stores_sales_over_the_socket(organization, owner):
    # Given a sale in store A and one in store B, and a manager of store A watching the live feed
    mine, theirs = _two_stores_with_a_sale_each(organization)
    client = _manager_of(organization, mine.store)
    # When both are published, B's first
    received = _received_over_the_socket(client, theirs, mine, last=mine)
    # Then the manager receives A's sale and nothing of B
    assert received == [str(mine.pk)]


@pytest.mark.django_db(transaction=True)
def test_owners_and_all_stores_managers_are_sent_every_stores_sales_and_no_other_organizations(organization, owner):
    mine, theirs = _two_stores_with_a_sale_each(organization)
    with scopes_disabled():
        elsewhere = Sale.objects.get(pk=_sale(OrganizationFactory(name="Andere GmbH"))["sale_id"])
    owner_client = Client()
    owner_client.force_login(owner)
    all_stores_manager = _manager_of(organization, None)
    for client in (owner_client, all_stores_manager):
        assert _received_over_the_socket(client, theirs, elsewhere, mine, last=theirs) == [str(theirs.pk), str(mine.pk)]
    # and the other organization's owner receives only their own
    other = Client()
    other.force_login(owner_user(elsewhere.organization))
    assert _received_over_the_socket(other, theirs, elsewhere, mine, last=elsewhere) == [str(elsewhere.pk)]
