"""``/sync/v1/pair`` before anything is authenticated: small bodies, no 500, wrong codes limited."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.sync.cloud.services import create_node_pairing_code
from kasse.sync.cloud.views import PAIR_MAX_BYTES
from kasse.sync.engine.protocol import PROTOCOL_VERSION
from kasse.sync.models import StoreNode

pytestmark = pytest.mark.django_db


def _post(body: str | bytes, address: str = "192.0.2.1"):
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address).post(
        "/sync/v1/pair", body, content_type="application/json", HTTP_KASSE_SYNC_PROTOCOL=str(PROTOCOL_VERSION)
    )


def test_deeply_nested_json_is_a_400_not_a_500(store):
    nested = '{"code": ' + "[" * 1500 + "]" * 1500 + "}"
    assert len(nested) < PAIR_MAX_BYTES
    response = _post(nested)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_json"


def test_a_large_body_is_refused_before_it_is_read(store):
    response = _post(json.dumps({"code": "ABCD-EFGH", "name": "x" * PAIR_MAX_BYTES}))
    assert response.status_code == 413
    assert response.json()["detail"] == f"A pairing request is at most {PAIR_MAX_BYTES} bytes."


def test_wrong_codes_are_limited_per_address_and_the_right_one_waits_too(store):
    with scopes_disabled():
        code = create_node_pairing_code(actor=Actor.system(), store=store)
    body = json.dumps({"protocol": PROTOCOL_VERSION, "code": "ZZZZ-ZZZZ", "name": "Rater"})
    # Ten wrong codes from one address are answered as wrong
    assert [_post(body).status_code for _ in range(10)] == [400] * 10
    # then that address is refused, even with the right code, and nothing is paired
    right = json.dumps({"protocol": PROTOCOL_VERSION, "code": code, "name": "Laden-PC"})
    refused = _post(right)
    assert refused.status_code == 429
    assert refused.json()["detail"] == "Too many wrong pairing codes from this address. Please try again in 15 minutes."
    assert int(refused["Retry-After"]) > 800
    with scopes_disabled():
        assert not StoreNode.objects.exists()
    # while another address pairs with it
    assert _post(right, address="192.0.2.2").status_code == 200
