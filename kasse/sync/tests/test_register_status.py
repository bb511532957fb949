"""``/ws/register/status/``: a paired register learns the node's sync state at once and on every change."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import override_settings
from django.utils import translation
from django_scopes import scopes_disabled
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

import kasse
from kasse.register.services.pairing import DEVICE_COOKIE
from kasse.sync.models import NodeState, OutboxRecord, OutboxStatus
from kasse.sync.node.status_feed import publish_node_status
from kasse.sync.templatetags.sync_register import badge_texts
from kasse.testing.asgi_server import asgi_server
from kasse.testing.plugin import paired_client
from kasse.testing.register_login import unlock_data

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def _socket(token: str) -> Iterator[Any]:
    """A WebSocket to the status endpoint of a real ASGI server (uvicorn on 127.0.0.1)."""
    with (
        asgi_server() as base_url,
        connect(
            base_url.replace("http://", "ws://") + "/ws/register/status/",
            additional_headers={"Cookie": f"{DEVICE_COOKIE}={token}"},
            open_timeout=5,
        ) as ws,
    ):
        yield ws


def _receive(ws: Any) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=5))


@pytest.fixture
def paired(register):
    paired_client(register, token="status-token")
    return "status-token"


@pytest.fixture
def node_state(organization, store):
    with scopes_disabled():
        state = NodeState.objects.create(
            id=uuid.uuid4(),
            organization_id=organization.pk,
            store_id=store.pk,
            cloud_url="http://127.0.0.1:9",
            token="kn_x",
            customer_number_base=1_000_000,
            last_contact_at=datetime(2026, 11, 29, 7, 0, tzinfo=UTC),
            last_error="cloud unreachable: refused",
        )
        for position in range(1, 4):
            OutboxRecord.objects.create(id=uuid.uuid4(), position=position, kind="sale", rows=[])
        OutboxRecord.objects.create(id=uuid.uuid4(), position=4, kind="sale", rows=[], status=OutboxStatus.ACKED)
    return state


def test_an_unpaired_browser_is_refused(register):
    with pytest.raises((InvalidStatus, ConnectionClosed)), _socket("nobody") as ws:
        ws.recv(timeout=5)


def test_a_register_selling_through_the_cloud_is_told_it_is_direct(paired):
    with _socket(paired) as ws:
        assert _receive(ws) == {"type": "status", "status": {"paired": False, "online": True, "direct": True}}


def test_on_a_node_the_register_gets_the_status_then_every_change(paired, node_state):
    later = {
        "paired": True,
        "online": True,
        "backlog": 0,
        "rejected": 0,
        "last_sync": "2026-11-29T07:05:00+00:00",
        "last_error": "",
        "revoked": False,
        "catalog_changed": True,
    }

    with override_settings(KASSE_ROLE="store"), _socket(paired) as ws:
        first = _receive(ws)
        # When the sync runner publishes a new status from its thread (the cloud is back, prices were pulled)
        publish_node_status(later)
        second = _receive(ws)
    # Then it first got the node's state from the database: offline, three records waiting, the error
    assert first["type"] == "status"
    oldest = first["status"].pop("oldest_waiting")
    assert oldest is not None
    assert 0 <= first["status"].pop("oldest_waiting_seconds") < 600
    assert first["status"] == {
        "paired": True,
        "online": False,
        "stopped": False,
        "backlog": 3,
        "set_aside": 0,
        "feed_set_aside": 0,
        "last_sync": "2026-11-29T07:00:00+00:00",
        "last_push": None,
        "last_pull": None,
        "last_error": "cloud unreachable: refused",
        "error_since": None,
        "revoked": False,
        "version": kasse.__version__,
        "cloud_version": "",
        "update_needed": False,
        "problems": ["error"],
        "healthy": False,
        "catalog_changed": False,
    }
    # and then the published change, as it was sent
    assert second == {"type": "status", "status": later}


def test_between_changes_the_register_gets_the_status_again(paired, node_state, monkeypatch):
    from kasse.sync.node.register_consumer import RegisterStatusConsumer

    monkeypatch.setattr(RegisterStatusConsumer, "refresh_seconds", 0.2)
    with override_settings(KASSE_ROLE="store"), _socket(paired) as ws:
        first = _receive(ws)
        # When the node reached the cloud meanwhile (the runner published nothing)
        with scopes_disabled():
            NodeState.objects.update(last_contact_at=datetime(2026, 11, 29, 7, 10, tzinfo=UTC), last_error="")
        # the next refresh after the change says so (one read before the change may still be on its way:
        # at 0.2 s a refresh can fall between the first message and the update on a loaded machine)
        second = _receive(ws)
        for _ in range(10):
            if second["status"]["online"]:
                break
            second = _receive(ws)
    assert first["status"]["online"] is False
    assert second["status"]["online"] is True
    assert second["status"]["last_sync"] == "2026-11-29T07:10:00+00:00"
    assert second["status"]["catalog_changed"] is False


def test_a_node_not_paired_yet_says_so(paired):
    with override_settings(KASSE_ROLE="store"), _socket(paired) as ws:
        message = _receive(ws)
    assert message["status"]["paired"] is False
    assert "direct" not in message["status"]


def test_a_revoked_device_is_refused(register, paired):
    from django.utils import timezone

    from kasse.register.models import RegisterDevice

    with scopes_disabled():
        RegisterDevice.objects.update(revoked_at=timezone.now())

    with pytest.raises((InvalidStatus, ConnectionClosed)), _socket(paired) as ws:
        ws.recv(timeout=5)


def test_badge_texts_in_both_languages():
    with translation.override("de"):
        german = badge_texts(node=True)
    with translation.override("en"):
        english = badge_texts(node=True)
    assert german["offline"] == {"one": "Offline – {n} Vorgang wartet", "other": "Offline – {n} Vorgänge warten"}
    assert english["offline"] == {"one": "Offline – {n} record waiting", "other": "Offline – {n} records waiting"}
    assert german["disconnected"] == "Keine Verbindung zum Filialserver"
    assert english["synced"] == "Online – synchronised"
    with translation.override("de"):
        assert badge_texts(node=False)["disconnected"] == "Keine Verbindung zum Server"


def test_the_register_page_carries_the_badge(register, shift, cashier):
    from bs4 import BeautifulSoup

    till = paired_client(register, token="page-token")
    assert till.post("/register/unlock/", unlock_data(cashier, "1111")).status_code == 302
    response = till.get("/register/")
    soup = BeautifulSoup(response.content, "html.parser")
    badge = soup.select_one("[data-testid=sync-status]")
    assert badge["data-ws"] == "/ws/register/status/"
    assert badge["data-products-url"] == "/register/products/"
    assert badge["data-cart-url"] == "/register/cart/"
    assert badge["data-tz"] == "Europe/Berlin"
    assert soup.select_one("#sync-status-texts") is not None
