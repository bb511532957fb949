"""The register's sync badge in Chromium: offline with records waiting, back online, and a new price
pulled by the node showing on the register's screen without a reload."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from django.test import override_settings
from django_scopes import scopes_disabled

from kasse.catalog.models import Product
from kasse.sync.models import NodeState, OutboxRecord
from kasse.sync.node.status_feed import publish_node_status
from kasse.testing.asgi_server import asgi_server
from kasse.testing.plugin import open_register, paired_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def offline_node(organization, store):
    """A paired node whose last push failed, with two sales waiting in its outbox."""
    with scopes_disabled():
        NodeState.objects.create(
            id=uuid.uuid4(),
            organization_id=organization.pk,
            store_id=store.pk,
            cloud_url="http://127.0.0.1:9",
            token="kn_x",
            customer_number_base=1_000_000,
            last_contact_at=datetime(2026, 11, 29, 6, 0, tzinfo=UTC),
            last_error="cloud unreachable: connection refused",
        )
        for position in (1, 2):
            OutboxRecord.objects.create(id=uuid.uuid4(), position=position, kind="sale", rows=[])


def _status(**changes: object) -> dict[str, object]:
    status: dict[str, object] = {
        "paired": True,
        "online": True,
        "backlog": 0,
        "set_aside": 0,
        "feed_set_aside": 0,
        "last_sync": "2026-11-29T07:30:00+00:00",
        "last_error": "",
        "revoked": False,
        "catalog_changed": False,
    }
    status.update(changes)
    return status


def _publish(status: dict[str, object]) -> None:
    """Publish as the node's sync runner does: from its own thread (Playwright holds this one's loop)."""
    thread = threading.Thread(target=publish_node_status, args=(status,))
    thread.start()
    thread.join(5)


def test_badge_goes_offline_to_online_and_a_new_price_reaches_the_screen(page, register, shift, rolls, offline_node):
    paired_client(register, token="node-register")
    with scopes_disabled():
        Product.objects.filter(pk=rolls.pk).update(is_favourite=True)
    with override_settings(KASSE_ROLE="store"), asgi_server() as base_url:
        open_register(page, base_url, "node-register")
        badge = "[data-testid=sync-status]"
        # Given the node cannot reach the cloud: the badge is red and says how much waits
        page.wait_for_selector(f"{badge}[data-state=offline]")
        assert page.text_content(badge) == "Offline – 2 Vorgänge warten"
        assert "offline" in page.get_attribute(badge, "class")
        assert "29.11.2026, 07:00:00" in page.get_attribute(badge, "title")  # last sync, in Berlin time
        # And the cashier has rolls in the cart
        page.click("[data-testid=tile][data-name='Brötchen']")
        page.wait_for_selector("[data-testid=cart-total]:has-text('0,45')")

        # When the node reaches the cloud again and has sent everything
        _publish(_status())
        # Then the badge turns green
        page.wait_for_selector(f"{badge}[data-state=synced]", timeout=2000)
        assert page.text_content(badge) == "Online – synchronisiert"
        assert "offline" not in page.get_attribute(badge, "class")

        # When the node pulls a new price for rolls and says the catalog changed
        with scopes_disabled():
            Product.objects.filter(pk=rolls.pk).update(price="0.55")
        started = time.monotonic()
        _publish(_status(catalog_changed=True))
        # Then the grid and the cart show it within a second, without a reload
        page.wait_for_selector("[data-testid=tile][data-name='Brötchen'] .price:has-text('0,55')", timeout=1000)
        page.wait_for_selector("[data-testid=cart-total]:has-text('0,55')", timeout=1000)
        assert time.monotonic() - started < 1.0
        page.screenshot(path=os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp") + "/register-sync-badge.png")

    # When the store node itself is gone, the badge says so (and keeps trying)
    page.wait_for_selector(f"{badge}[data-state=disconnected]", timeout=5000)
    assert page.text_content(badge) == "Keine Verbindung zum Filialserver"


def test_badge_shows_sync_stopped_set_aside_records_and_an_update(page, register, shift, offline_node):
    paired_client(register, token="node-register")
    with override_settings(KASSE_ROLE="store"), asgi_server() as base_url:
        open_register(page, base_url, "node-register")
        badge = "[data-testid=sync-status]"
        page.wait_for_selector(f"{badge}[data-state=offline]")
        # When a round of sync failed with an unexpected error
        _publish(
            _status(
                online=False,
                stopped=True,
                backlog=2,
                last_error="RuntimeError: kaputt",
                error_since="2026-11-29T07:31:00+00:00",
                last_push="2026-11-29T07:29:00+00:00",
                last_pull="2026-11-29T07:30:00+00:00",
                oldest_waiting="2026-11-29T07:32:00+00:00",
            )
        )
        # Then the badge says sync stopped and why, never "online"; since when is in its title
        page.wait_for_selector(f"{badge}[data-state=stopped]", timeout=2000)
        assert page.text_content(badge) == "Synchronisierung gestoppt: RuntimeError: kaputt"
        assert "offline" in page.get_attribute(badge, "class")
        title = page.get_attribute(badge, "title")
        assert "Fehler seit 29.11.2026, 08:31:00: RuntimeError: kaputt" in title
        assert "Zuletzt an die Cloud gesendet: 29.11.2026, 08:29:00" in title
        assert "Zuletzt aus der Cloud geholt: 29.11.2026, 08:30:00" in title
        assert "Ältester wartender Vorgang: 29.11.2026, 08:32:00" in title
        # When the cloud could not store one record (the others went on)
        _publish(_status(set_aside=1))
        page.wait_for_selector(f"{badge}[data-state=attention]", timeout=2000)
        assert page.text_content(badge) == "1 Vorgang zurückgestellt – siehe Filialserver"
        # When the feed carried changes this version cannot apply and the cloud runs a newer kasse
        _publish(_status(feed_set_aside=2, update_needed=True, cloud_version="0.2.0"))
        page.wait_for_selector(f"{badge}[data-state=attention]:has-text('Änderungen')", timeout=2000)
        assert page.text_content(badge) == "2 Änderungen aus der Cloud zurückgestellt – kasse aktualisieren"
        assert "Bitte kasse aktualisieren: die Cloud läuft mit Version 0.2.0" in page.get_attribute(badge, "title")
        _publish(_status(update_needed=True, cloud_version="0.2.0"))
        page.wait_for_selector(f"{badge}:has-text('Bitte kasse aktualisieren')", timeout=2000)
