"""The back office's webhook pages: who may open them, adding an endpoint, the secret, test event, log."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django_scopes import scopes_disabled

from kasse.notifications.models import WebhookEndpoint
from kasse.testing.factories import EmployeeFactory, UserFactory
from kasse.testing.plugin import soup_of, text, texts
from kasse.testing.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db


def test_the_owner_adds_an_endpoint_sends_a_test_event_and_reads_the_log(
    owner_client, django_capture_on_commit_callbacks
):
    with WebhookReceiver() as receiver:
        response = owner_client.post(
            "/settings/webhooks/new/",
            {"url": receiver.url("/ok/shop"), "events": ["sale.completed", "shift.closed"], "is_active": "on"},
            follow=True,
        )
        with scopes_disabled():
            endpoint = WebhookEndpoint.objects.get()
        page = soup_of(response)
        assert page.select_one('[data-testid="endpoint-secret"]')["value"] == endpoint.secret
        receiver.secrets["shop"] = endpoint.secret
        with django_capture_on_commit_callbacks(execute=True):
            owner_client.post(f"/settings/webhooks/{endpoint.pk}/test/")
        assert receiver.ok("shop")[0].verified
    page = soup_of(owner_client.get(f"/settings/webhooks/{endpoint.pk}/"))
    assert texts(page, "delivery-status") == ["zugestellt"]
    assert texts(page, "delivery-answer") == ["HTTP 204"]
    assert texts(soup_of(owner_client.get("/settings/webhooks/")), "endpoint-url") == [receiver.url("/ok/shop")]


@override_settings(KASSE_WEBHOOKS_ALLOW_LOOPBACK=False)
def test_a_private_address_is_refused_in_german_and_nothing_is_saved(owner_client):
    response = owner_client.post(
        "/settings/webhooks/new/", {"url": "http://10.0.0.8/hook", "events": ["sale.completed"], "is_active": "on"}
    )
    assert response.status_code == 422
    assert "keine öffentliche Internetadresse" in text(soup_of(response), "error-url")
    missing = owner_client.post("/settings/webhooks/new/", {"url": "https://shop.example/x", "is_active": "on"})
    assert text(soup_of(missing), "error-events") == "Bitte wählen Sie mindestens eines der aufgeführten Ereignisse."
    with scopes_disabled():
        assert not WebhookEndpoint.objects.exists()


def test_only_who_manages_integrations_opens_the_webhook_pages(organization, store):
    from kasse.tenancy.permissions import Role

    user = UserFactory(email="max@example.org")
    EmployeeFactory(organization=organization, display_name="Max", user=user, role=Role.MANAGER)
    client = Client()
    client.force_login(user)
    assert client.get("/settings/webhooks/").status_code == 403
