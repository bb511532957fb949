"""Web Push end to end on loopback: the browser's subscription through the back office, the worker encrypting
and signing, and a push service (kasse/testing/push_service.py) that checks the VAPID JWT and decrypts the
payload with the subscription's private key, as RFC 8030, 8291 and 8292 say (docs/notifications.md)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.notifications import sending, vapid, webpush
from kasse.notifications.events import publish
from kasse.notifications.models import Notification, OutgoingNotification, OutgoingStatus, PushSubscription
from kasse.notifications.preferences import save_preferences
from kasse.notifications.tests.test_webhooks import _sell
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, StoreFactory, UserFactory
from kasse.testing.plugin import soup_of, texts
from kasse.testing.push_service import PushService, UserAgent, b64url_decode, decrypt

pytestmark = pytest.mark.django_db


@pytest.fixture
def push_service():
    with PushService(hang_seconds=3) as running:
        yield running


def _subscribe(client: Client, service: PushService) -> dict:
    browser = service.subscribe(vapid.application_server_key())
    response = client.post(
        "/notifications/push/subscribe/",
        json.dumps(browser),
        content_type="application/json",
        headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/131.0 Mobile Safari/537.36"},
    )
    assert response.status_code == 201, response.content
    return browser


def _outgoing(**filters):
    with scopes_disabled():
        return list(OutgoingNotification.objects.filter(**filters).order_by("created_at"))


def _refund(organization, store, capture, total="-12.50"):
    with capture(execute=True):
        publish("refund.created", organization, store, {"total": total, "receipt_number": 4, "employee": "Clara"})


def test_vapid_keys_are_made_once_and_kept_in_the_data_directory(tmp_path):
    with override_settings(DATA_DIR=tmp_path):
        assert not (tmp_path / vapid.FILE_NAME).exists()
        key = vapid.application_server_key()
        path = tmp_path / vapid.FILE_NAME
        assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert len(b64url_decode(key)) == 65
        assert b64url_decode(key)[0] == 4
        assert vapid.application_server_key() == key  # read again, not made again
        vapid.ensure_keys()
        assert vapid.application_server_key() == key


def test_a_refund_reaches_the_owners_phone_encrypted_and_signed(
    organization, owner, owner_client, store, push_service, django_capture_on_commit_callbacks
):
    browser = _subscribe(owner_client, push_service)
    _refund(organization, store, django_capture_on_commit_callbacks)
    (message,) = push_service.messages_for(browser["endpoint"])
    # The push service verified the ES256 JWT against k, aud, exp and sub, and decrypted the aes128gcm body.
    assert message.payload["title"] == "kasse"
    assert message.payload["body"] == "Filiale Mitte: Rückgabe über -12,50 € (Beleg 4, Clara)"
    assert message.payload["url"] == "/notifications/"
    assert message.claims["sub"] == "mailto:noreply@localhost"
    assert message.claims["aud"] == push_service.origin
    assert message.headers["content-encoding"] == "aes128gcm"
    assert int(message.headers["ttl"]) == webpush.TTL
    assert push_service.rejected == []
    (sent,) = _outgoing(channel="push")
    assert sent.status == OutgoingStatus.SENT
    assert sent.attempts == 1
    with scopes_disabled():
        device = PushSubscription.objects.get()
        assert device.label == "Chrome auf Android"
        assert device.last_success_at is not None
        assert Notification.objects.filter(user=owner).count() == 1  # and in the app, as before


def test_the_push_service_refuses_what_is_not_signed_or_encrypted_for_the_subscription(push_service):
    # The local push service is a real check: a foreign VAPID key, a wrong audience and a payload encrypted
    # for another browser are refused, so the end-to-end tests above cannot pass by accident.
    browser = push_service.subscribe(vapid.application_server_key())
    target = webpush.Subscription(browser["endpoint"], browser["keys"]["p256dh"], browser["keys"]["auth"])
    other = push_service.subscribe(vapid.application_server_key())
    body, headers = webpush.request_for(target, {"title": "x"})
    from kasse.notifications import outbound

    forged = dict(
        headers,
        Authorization=headers["Authorization"].replace(
            "k=", "k=B" if "k=B" not in headers["Authorization"] else "k=A", 1
        ),
    )
    assert outbound.post(browser["endpoint"], body, forged, allow_loopback=True).status == 401
    assert outbound.post(other["endpoint"], body, headers, allow_loopback=True).status in {400, 403}
    no_ttl = {k: v for k, v in headers.items() if k != "TTL"}
    assert outbound.post(browser["endpoint"], body, no_ttl, allow_loopback=True).status == 400
    assert outbound.post(browser["endpoint"], body, headers, allow_loopback=True).status == 201
    agent = push_service.subscriptions[other["endpoint"].rsplit("/", 1)[-1]]
    with pytest.raises(Exception, match="does not decrypt"):
        decrypt(UserAgent(agent.token, agent.private_key, agent.auth_secret, agent.application_server_key), body)
    assert len(push_service.received) == 1


def test_an_expired_subscription_is_marked_shown_and_never_sent_to_again(
    organization, owner, owner_client, store, push_service, django_capture_on_commit_callbacks
):
    gone = _subscribe(owner_client, push_service)
    kept = _subscribe(owner_client, push_service)
    push_service.gone(gone["endpoint"])
    _refund(organization, store, django_capture_on_commit_callbacks)
    assert [r.status for r in _outgoing(subscription__endpoint=gone["endpoint"])] == [OutgoingStatus.EXPIRED]
    assert len(push_service.messages_for(kept["endpoint"])) == 1
    page = soup_of(owner_client.get("/notifications/settings/"))
    states = [li["data-state"] for li in page.select('[data-testid="push-device"]')]
    assert states == ["expired", "active"]
    assert "Von seinem Push-Dienst beendet" in texts(page, "push-device-expired")[0]
    assert [p["data-status"] for p in page.select('[data-testid="delivery-problem"]')] == ["expired"]
    _refund(organization, store, django_capture_on_commit_callbacks, total="-3.00")
    assert len(_outgoing(subscription__endpoint=gone["endpoint"])) == 1  # nothing new for the ended device
    assert len(push_service.messages_for(kept["endpoint"])) == 2


def test_a_push_service_that_is_down_delays_the_push_but_never_the_sale(
    organization,
    owner,
    owner_client,
    store,
    register,
    cashier,
    shift,
    rolls,
    push_service,
    django_capture_on_commit_callbacks,
):
    save_preferences(
        user=owner, organization=organization, store=None, rows=[{"kind": "sale.completed", "in_app": True}]
    )
    browser = _subscribe(owner_client, push_service)
    push_service.down = True
    with django_capture_on_commit_callbacks(execute=True):
        sale = _sell(register, cashier, rolls)
    assert sale.pk  # committed whatever the push service said
    (waiting,) = _outgoing(channel="push")
    assert waiting.status == OutgoingStatus.RETRYING
    assert waiting.attempts == 1
    assert waiting.error.startswith("503")
    assert timedelta(seconds=7) <= waiting.next_attempt_at - timezone.now() <= timedelta(seconds=13)
    assert sending.run_due() == 0  # not due yet
    push_service.down = False
    assert sending.run_due(now=timezone.now() + timedelta(seconds=15)) == 1
    (message,) = push_service.messages_for(browser["endpoint"])
    assert message.payload["body"].startswith("Filiale Mitte: Verkauf über 0,45 €")
    # A push service that hangs costs its message a timeout and a retry, nothing else.
    push_service.hang = True
    with override_settings(KASSE_WEBHOOKS_READ_TIMEOUT=0.5), django_capture_on_commit_callbacks(execute=True):
        assert _sell(register, cashier, rolls).pk
    assert _outgoing(channel="push")[-1].status == OutgoingStatus.RETRYING


def test_a_push_given_up_after_24_hours(
    organization, owner, owner_client, store, push_service, django_capture_on_commit_callbacks
):
    _subscribe(owner_client, push_service)
    push_service.down = True
    _refund(organization, store, django_capture_on_commit_callbacks)
    (row,) = _outgoing()
    later = row.first_attempt_at + timedelta(hours=24, seconds=1)
    sending.run_due(now=later)
    (row,) = _outgoing()
    assert row.status == OutgoingStatus.FAILED
    assert row.attempts == 2


def test_subscribing_refuses_a_private_address_or_bad_keys_in_german_and_a_cashier(
    organization, owner_client, store, push_service
):
    browser = push_service.subscribe(vapid.application_server_key())
    for bad in (
        dict(browser, endpoint="https://10.0.0.7/push/abc"),
        dict(browser, endpoint="https://169.254.169.254/latest"),
        dict(browser, endpoint="ftp://push.example.com/x"),
        dict(browser, keys={"p256dh": "AAAA", "auth": browser["keys"]["auth"]}),
        dict(browser, keys={"p256dh": browser["keys"]["p256dh"], "auth": "c2hvcnQ"}),
        {"endpoint": browser["endpoint"]},
    ):
        response = owner_client.post("/notifications/push/subscribe/", json.dumps(bad), content_type="application/json")
        assert response.status_code == 422
        assert response.json() == {"error": "Dieser Browser hat ein unbrauchbares Push-Abonnement gesendet."}
    with override_settings(KASSE_WEBHOOKS_ALLOW_LOOPBACK=False):
        response = owner_client.post(
            "/notifications/push/subscribe/", json.dumps(browser), content_type="application/json"
        )
        assert response.status_code == 422
    with scopes_disabled():
        assert PushSubscription.objects.count() == 0
    user = UserFactory(email="kasse@example.org")
    EmployeeFactory(organization=organization, user=user, role=(store, Role.CASHIER))
    till = Client()
    till.force_login(user)
    response = till.post("/notifications/push/subscribe/", json.dumps(browser), content_type="application/json")
    assert response.status_code == 403


def test_unsubscribing_and_removing_a_device(organization, owner, owner_client, store, push_service):
    first = _subscribe(owner_client, push_service)
    _subscribe(owner_client, push_service)
    response = owner_client.post(
        "/notifications/push/unsubscribe/", json.dumps({"endpoint": first["endpoint"]}), content_type="application/json"
    )
    assert response.json() == {"removed": 1}
    with scopes_disabled():
        (left,) = PushSubscription.objects.all()
    other = StoreFactory(organization=organization)
    stranger = UserFactory(email="x@example.org")
    EmployeeFactory(organization=organization, user=stranger, role=(other, Role.MANAGER))
    theirs = Client()
    theirs.force_login(stranger)
    assert theirs.post(f"/notifications/push/{left.pk}/remove/").status_code == 404  # not theirs
    assert owner_client.post(f"/notifications/push/{left.pk}/remove/").status_code == 302
    with scopes_disabled():
        assert PushSubscription.objects.count() == 0


def test_finished_notifications_are_forgotten_after_30_days(
    organization, owner, owner_client, store, push_service, django_capture_on_commit_callbacks
):
    _subscribe(owner_client, push_service)
    _refund(organization, store, django_capture_on_commit_callbacks)
    push_service.down = True
    _refund(organization, store, django_capture_on_commit_callbacks, total="-1.00")
    assert sending.forget_finished(now=timezone.now() + timedelta(days=29)) == 0
    assert sending.forget_finished(now=timezone.now() + timedelta(days=31)) == 1  # the sent one
    assert [o.status for o in _outgoing()] == [OutgoingStatus.RETRYING]  # still being tried: kept


def test_a_renewed_subscription_replaces_the_old_one_and_the_next_push_goes_to_it(
    organization, owner, owner_client, store, push_service, django_capture_on_commit_callbacks
):
    old = _subscribe(owner_client, push_service)
    other = _subscribe(owner_client, push_service)  # another device of the owner's: untouched
    # What the service worker does on pushsubscriptionchange: the key and a CSRF token, then the new one
    worker = Client(enforce_csrf_checks=True)
    worker.force_login(owner)
    answer = worker.get("/notifications/push/key/")
    assert answer.json()["key"] == vapid.application_server_key()
    renewed = push_service.subscribe(answer.json()["key"])
    body = json.dumps({"old_endpoint": old["endpoint"], "subscription": renewed})
    refused = worker.post("/notifications/push/resubscribe/", body, content_type="application/json")
    assert refused.status_code == 403  # no CSRF token
    response = worker.post(
        "/notifications/push/resubscribe/",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": answer.json()["csrf"], "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"},
    )
    assert response.status_code == 201
    assert response.json()["label"] == "Chrome auf Android"  # the old device's name, not the worker's
    with scopes_disabled():
        endpoints = set(PushSubscription.objects.values_list("endpoint", flat=True))
    assert endpoints == {renewed["endpoint"], other["endpoint"]}
    _refund(organization, store, django_capture_on_commit_callbacks)
    assert len(push_service.messages_for(renewed["endpoint"])) == 1
    assert push_service.messages_for(old["endpoint"]) == []
    # A browser that does not say which one changed: the new one is added, nothing removed
    third = push_service.subscribe(vapid.application_server_key())
    response = owner_client.post(
        "/notifications/push/resubscribe/",
        json.dumps({"old_endpoint": None, "subscription": third}),
        content_type="application/json",
    )
    assert response.status_code == 201
    with scopes_disabled():
        assert PushSubscription.objects.count() == 3
    # Another user's endpoint is not theirs to replace; a broken subscription is refused in German
    stranger = UserFactory(email="y@example.org")
    EmployeeFactory(organization=organization, user=stranger, role=(store, Role.MANAGER))
    theirs = Client()
    theirs.force_login(stranger)
    fourth = push_service.subscribe(vapid.application_server_key())
    theirs.post(
        "/notifications/push/resubscribe/",
        json.dumps({"old_endpoint": other["endpoint"], "subscription": fourth}),
        content_type="application/json",
    )
    with scopes_disabled():
        assert PushSubscription.objects.filter(endpoint=other["endpoint"], user=owner).exists()
    bad = owner_client.post(
        "/notifications/push/resubscribe/",
        json.dumps({"old_endpoint": third["endpoint"], "subscription": {"endpoint": third["endpoint"]}}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json() == {"error": "Dieser Browser hat ein unbrauchbares Push-Abonnement gesendet."}
    with scopes_disabled():
        assert PushSubscription.objects.filter(endpoint=third["endpoint"]).exists()  # kept: nothing replaced it
    assert Client().get("/notifications/push/key/").status_code == 302  # signed out: the login page
