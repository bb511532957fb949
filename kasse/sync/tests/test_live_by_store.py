"""Live sales of a store-bound manager: their stores only, on the page and over /ws/live/."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from bs4 import BeautifulSoup
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client
from django_scopes import scopes_disabled
from websockets.sync.client import connect

from kasse.register.isolation import _sale
from kasse.sales.models import Sale
from kasse.sales.syncing import live_sale as live_message
from kasse.sync.engine.changes import live_group
from kasse.tenancy.permissions import Role
from kasse.testing.asgi_server import asgi_server
from kasse.testing.factories import EmployeeFactory, UserFactory


def _two_stores_with_a_sale_each(organization) -> tuple[Sale, Sale]:
    with scopes_disabled():
        mine = Sale.objects.select_related("store").get(pk=_sale(organization)["sale_id"])
        theirs = Sale.objects.select_related("store").get(pk=_sale(organization)["sale_id"])
    return mine, theirs


def _manager_of(organization, store) -> Client:
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.MANAGER))
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


@pytest.mark.django_db(transaction=True)
def test_a_store_manager_is_sent_only_their_stores_sales_over_the_socket(organization, owner):
    mine, theirs = _two_stores_with_a_sale_each(organization)
    client = _manager_of(organization, mine.store)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with asgi_server() as base_url, connect(base_url.replace("http://", "ws://") + "/ws/live/", open_timeout=5,
                                            additional_headers={"Cookie": f"sessionid={session}"}) as ws:
        # When a sale of the other store and then one of theirs are published
        send = async_to_sync(get_channel_layer().group_send)
        send(live_group(organization.pk), live_message(theirs))
        send(live_group(organization.pk), live_message(mine))
        # Then the first thing they receive is their own store's sale
        assert json.loads(ws.recv(timeout=5))["sale"]["id"] == str(mine.pk)
