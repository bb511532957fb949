"""The back office's QR payment accounts (secret encrypted, never shown again, https only), the manager page
showing an unclear QR payment with the provider's data, and a store node getting the secret from the cloud
in memory only."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.payments.models import CardPayment, CardPaymentStatus
from kasse.payments.qr.models import QrAccount
from kasse.payments.qr.node_credentials import secret_for
from kasse.payments.qr.syncing import without_secret
from kasse.payments.tests.conftest import reload
from kasse.sync.cloud.services import create_node_pairing_code
from kasse.sync.engine.protocol import PROTOCOL_VERSION
from kasse.testing.plugin import soup_of

pytestmark = pytest.mark.django_db

FORM = {
    "provider": "bluecode",
    "api_url": "https://merchant-api.bluecode.biz/v4",
    "username": "shop-42",
    "secret": "s3cret-key",
    "branch_ext_id": "berlin-mitte",
    "is_active": "on",
}


def test_the_owner_sets_up_bluecode_and_the_secret_is_encrypted_and_never_shown(owner_client, store):
    response = owner_client.post("/devices/card-terminals/qr/new/", FORM)
    assert response.status_code == 302
    with scopes_disabled():
        account = QrAccount.objects.get()
    assert account.secret not in ("", "s3cret-key")  # Fernet token
    assert secret_for(account) == "s3cret-key"
    page = soup_of(owner_client.get(f"/devices/card-terminals/qr/{account.pk}/"))
    assert page.select_one("input[name=secret]").get("value") in (None, "")
    listing = soup_of(owner_client.get("/devices/card-terminals/qr/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "berlin-mitte" in listing.select_one("[data-testid=qr-account-row]").text
    # an empty secret keeps the saved one
    owner_client.post(f"/devices/card-terminals/qr/{account.pk}/", {**FORM, "secret": "", "username": "shop-43"})
    with scopes_disabled():
        account = QrAccount.objects.get()
    assert (account.username, secret_for(account)) == ("shop-43", "s3cret-key")
    assert without_secret([{"secret": account.secret, "username": "shop-43"}], None)[0]["secret"] == ""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"api_url": "http://merchant-api.bluecode.biz/v4"}, "https://"),
        ({"secret": ""}, "secret key"),
    ],
)
def test_a_bad_account_is_refused_with_a_clear_message_and_nothing_saved(owner_client, store, change, message):
    response = owner_client.post("/devices/card-terminals/qr/new/", {**FORM, **change}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert message in response.content.decode()
    with scopes_disabled():
        assert not QrAccount.objects.exists()


def test_a_manager_sees_an_unclear_qr_payment_with_the_providers_data_and_decides(owner_client, register):
    with scopes_disabled():
        account = QrAccount.objects.create(
            organization=register.organization, username="u", secret="x", branch_ext_id="berlin-mitte"
        )
        payment = CardPayment.objects.create(
            organization=register.organization,
            store=register.store,
            register=register,
            provider="bluecode",
            qr_account=account,
            amount=Decimal("9.99"),
            status=CardPaymentStatus.UNKNOWN,
            provider_code="SYSTEM_FAILURE",
            masked_pan="9880…3456",
        )
    page = soup_of(owner_client.get("/devices/card-terminals/unclear/", HTTP_ACCEPT_LANGUAGE="en"))
    assert str(payment.pk) in page.select_one("[data-testid=unclear-merchant-tx]").text
    assert "berlin-mitte" in page.select_one("[data-testid=unclear-provider]").text
    assert "SYSTEM_FAILURE" in page.select_one("[data-testid=unclear-journal]").text
    owner_client.post(f"/devices/card-terminals/unclear/{payment.pk}/", {"paid": "0", "note": "portal: none"})
    assert reload(payment).status == CardPaymentStatus.DECLINED


def _node_client(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Node {token}", HTTP_KASSE_SYNC_PROTOCOL=str(PROTOCOL_VERSION))


def test_a_store_node_gets_the_secret_from_the_cloud_and_a_stranger_does_not(owner_client, store):
    owner_client.post("/devices/card-terminals/qr/new/", FORM)
    with scope(organization=store.organization_id):
        code = create_node_pairing_code(actor=Actor(kind="user", label="owner"), store=store)
    paired = Client().post(
        "/sync/v1/pair",
        json.dumps({"protocol": PROTOCOL_VERSION, "code": code, "name": "Laden-PC"}),
        content_type="application/json",
        HTTP_KASSE_SYNC_PROTOCOL=str(PROTOCOL_VERSION),
    )
    token = paired.json()["token"]
    answer = _node_client(token).get("/sync/v1/payments/qr-credentials")
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert list(answer.json()["accounts"].values()) == ["s3cret-key"]
    assert Client().get("/sync/v1/payments/qr-credentials").status_code == 401
    assert _node_client("wrong").get("/sync/v1/payments/qr-credentials").status_code == 401
