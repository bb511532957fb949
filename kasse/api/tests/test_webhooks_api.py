"""Webhook endpoints through the API, and the bodies really sent against the OpenAPI document's webhooks."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
from django.test import override_settings
from django_scopes import scopes_disabled

from kasse.notifications.models import WebhookEndpoint
from kasse.testing.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db


def test_an_integrator_registers_changes_tests_and_deletes_an_endpoint(api, django_capture_on_commit_callbacks):
    with WebhookReceiver() as receiver:
        created = api.post("/webhooks", {"url": receiver.url("/ok/shop"), "events": ["sale.completed"]})
        assert created.status_code == 201
        endpoint = created.json()
        assert endpoint["secret"].startswith("whsec_")
        receiver.secrets["shop"] = endpoint["secret"]
        assert [e["id"] for e in api.get("/webhooks").json()] == [endpoint["id"]]
        changed = api.patch(f"/webhooks/{endpoint['id']}", {"events": ["refund.created", "shift.closed"]})
        assert changed.json()["events"] == ["refund.created", "shift.closed"]
        with django_capture_on_commit_callbacks(execute=True):
            queued = api.post(f"/webhooks/{endpoint['id']}/test")
        assert queued.status_code == 202
        (got,) = receiver.ok("shop")
        assert got.verified
        (logged,) = api.get(f"/webhooks/{endpoint['id']}/deliveries").json()
        assert (logged["event_type"], logged["status"], logged["response_status"]) == ("webhook.test", "succeeded", 204)
        with django_capture_on_commit_callbacks(execute=True):
            again = api.post(f"/webhooks/deliveries/{logged['id']}/redeliver")
        assert again.status_code == 202
        assert len(receiver.ok("shop")) == 2
    assert api.send("delete", f"/webhooks/{endpoint['id']}").status_code == 204
    assert api.get(f"/webhooks/{endpoint['id']}").status_code == 404


@override_settings(KASSE_WEBHOOKS_ALLOW_LOOPBACK=False)
def test_a_private_url_or_an_unknown_event_is_a_translated_422_and_changes_nothing(api):
    private = api.post("/webhooks", {"url": "http://192.168.1.10/hook", "events": ["sale.completed"]}, language="de")
    assert private.status_code == 422
    assert "keine öffentliche Internetadresse" in json.dumps(private.json(), ensure_ascii=False)
    unknown = api.post("/webhooks", {"url": "https://shop.example/hook", "events": ["sale.exploded"]})
    assert unknown.status_code == 422
    with scopes_disabled():
        assert not WebhookEndpoint.objects.exists()


def test_the_bodies_sent_match_the_webhooks_in_the_openapi_document(
    api, organization, owner, register, cashier, shift, rolls, django_capture_on_commit_callbacks
):
    from kasse.notifications.tests.test_webhooks import _sell

    document = api.get("/openapi.json").json()
    assert set(document["webhooks"]) >= {"sale.completed", "refund.created", "shift.closed", "product.updated"}
    with WebhookReceiver() as receiver:
        endpoint = api.post("/webhooks", {"url": receiver.url("/ok/all"), "events": ["sale.completed"]}).json()
        receiver.secrets["all"] = endpoint["secret"]
        with django_capture_on_commit_callbacks(execute=True):
            _sell(register, cashier, rolls)
        (got,) = receiver.ok("all")
    schema = document["webhooks"]["sale.completed"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    jsonschema_rs.validator_for(schema).validate(json.loads(got.body))
