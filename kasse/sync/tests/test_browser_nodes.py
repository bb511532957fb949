"""An owner pairs a store node from the back office and revokes an old one, in Chromium."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.sync.models import AnomalyKind, StoreNode, SyncAnomaly
from kasse.testing.factories import owner_user
from kasse.testing.plugin import log_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_creates_a_pairing_code_and_revokes_a_node(live_server, page, organization, store, node, settings):
    settings.PUBLIC_URL = "https://kasse.example.com"
    owner_user(organization, email="inhaber@example.org", language="de")
    with scopes_disabled():
        StoreNode.objects.filter(pk=node.pk).update(
            last_contact_at=timezone.now() - timedelta(seconds=20), last_backlog=4, version="0.1.0"
        )
        SyncAnomaly.objects.create(
            organization=organization,
            node=node,
            kind=AnomalyKind.CLOCK,
            model="sales.Sale",
            object_id="0190a0a0-0000-7000-8000-000000000001",
            detail={"completed_at": "2026-11-29T09:00:00+00:00", "received_at": "2026-11-29T07:00:00+00:00"},
        )
    log_in_in_browser(page, live_server.url, "inhaber@example.org")
    # When the owner opens Filialserver from the navigation
    page.click("[data-testid=mainnav] >> text=Filialserver")
    row = page.locator("[data-testid=node-row]")
    assert row.locator("[data-testid=node-state]").text_content().strip() == "online"
    assert row.locator("[data-testid=node-backlog]").text_content().strip() == "4"
    assert page.locator("[data-testid=anomalies-link] .badge").text_content() == "1"
    page.screenshot(path=os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp") + "/store-nodes.png")
    # And creates a pairing code for the store
    page.click("[data-testid=create-pairing-code]")
    code = page.text_content("[data-testid=node-pairing-code]").strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert page.text_content("[data-testid=pair-command]").strip() == (
        f"kasse store pair {code} --cloud https://kasse.example.com"
    )
    # Then back on the list, they revoke the old node and confirm
    page.click("text=Zurück zu den Filialservern")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=revoke-node]")
    page.wait_for_selector(".messages")
    assert page.locator("[data-testid=node-state]").text_content().strip() == "widerrufen"
    with scopes_disabled():
        assert StoreNode.objects.get(pk=node.pk).revoked_at is not None
    # And the anomaly is listed with both times in Berlin time
    page.click("[data-testid=anomalies-link]")
    detail = page.text_content("[data-testid=anomaly-detail]")
    assert "29.11.2026 10:00" in detail
    assert "29.11.2026 08:00" in detail
    page.screenshot(path=os.environ.get("KASSE_SCREENSHOT_DIR", "/tmp") + "/sync-anomalies.png")
