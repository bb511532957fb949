"""Webhooks to a receiver on 127.0.0.1 that checks Standard Webhooks signatures; one that fails, one that hangs,
one that redirects to a private address (docs/notifications.md)."""

from __future__ import annotations

import json
import time
from collections import deque
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.notifications import delivery, services, signing
from kasse.notifications.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.testing.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    with WebhookReceiver(hang_seconds=5) as running:
        yield running


def _endpoint(organization, owner, url, events=("sale.completed",)):
    return services.save_webhook_endpoint(
        actor=Actor.for_user(owner), organization=organization, url=url, events=list(events)
    )


def _sell(register, employee, product):
    with scope(organization=register.organization):
        return complete_sale(
            actor=Actor.for_employee(employee),
            register=register,
            employee=employee,
            cart=SaleInput(
                id=uuid7(),
                lines=[LineInput(product.variants.get().pk, Decimal(1))],
                payments=[PaymentInput("cash", Decimal("10.00"))],
            ),
        )


def _deliveries(**filters):
    with scopes_disabled():
        return list(
            WebhookDelivery.objects.filter(**filters).select_related("endpoint", "event").order_by("created_at")
        )


def _queue(organization, kind="sale.completed", n=1):
    """``n`` published events as the worker takes them (deliveries queued for the subscribed endpoints)."""
    for i in range(n):
        services.accept_event(
            {
                "event_id": str(uuid7()),
                "kind": kind,
                "organization_id": str(organization.pk),
                "store_id": None,
                "payload": {"n": i},
                "occurred_at": timezone.now().isoformat(),
            }
        )


def test_signatures_follow_the_standard_webhooks_example():
    # The example of the Standard Webhooks specification (secret, id, timestamp, payload, signature).
    signature = signing.sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(secret) == 6 + 44
    now = time.time()
    good = signing.sign(secret, "msg_1", int(now), b"{}")
    assert signing.verify(secret, "msg_1", str(int(now)), f"v1,other {good}", b"{}", now)
    assert not signing.verify(secret, "msg_1", str(int(now)), good, b"{ }", now)  # body changed
    assert not signing.verify(secret, "msg_1", str(int(now) - 600), good, b"{}", now)  # too old


def test_a_sale_reaches_the_receiver_signed_once(
    organization, owner, register, cashier, shift, rolls, receiver, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(organization, owner, receiver.url("/ok/shop"))
    receiver.secrets["shop"] = endpoint.secret
    _endpoint(organization, owner, receiver.url("/ok/other"), events=["refund.created"])  # not subscribed
    with django_capture_on_commit_callbacks(execute=True):
        sale = _sell(register, cashier, rolls)
    (got,) = receiver.ok("shop")
    assert got.verified
    with scopes_disabled():
        event = Event.objects.get()
    assert got.headers["webhook-id"] == str(event.pk)
    assert got.headers["content-type"] == "application/json"
    body = json.loads(got.body)
    assert body["type"] == "sale.completed"
    assert body["data"]["sale_id"] == str(sale.pk)
    assert body["data"]["store_id"] == str(register.store_id)
    assert receiver.ok("other") == []
    (sent,) = _deliveries()
    assert (sent.status, sent.attempts, sent.response_status, sent.error) == (DeliveryStatus.SUCCEEDED, 1, 204, "")
    assert sent.request_body == got.body.decode()
    assert sent.duration_ms is not None


def test_a_failing_receiver_is_retried_with_backoff_then_disabled_after_24_hours(
    organization, owner, receiver, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(organization, owner, receiver.url("/fail"))
    _queue(organization)
    before = timezone.now()
    assert delivery.run_due() == 1
    (failed,) = _deliveries()
    assert (failed.status, failed.attempts, failed.response_status) == (DeliveryStatus.RETRYING, 1, 500)
    assert failed.error == "HTTP 500"
    assert failed.response_excerpt == "receiver broke: database unavailable"
    assert before + timedelta(seconds=7) <= failed.next_attempt_at <= timezone.now() + timedelta(seconds=13)
    assert delivery.run_due() == 0  # not due yet
    # Backoff doubles: the 6th failure waits 320 s ± 25 %, never more than 2 hours
    assert timedelta(seconds=240) <= delivery.retry_delay(6) <= timedelta(seconds=400)
    assert delivery.retry_delay(30) <= timedelta(hours=2, minutes=30)
    # A day of failures later, the last attempt gives up and switches the endpoint off
    with scopes_disabled():
        WebhookDelivery.objects.update(
            first_attempt_at=timezone.now() - timedelta(hours=24, seconds=1), next_attempt_at=timezone.now()
        )
    _queue(organization)  # one more event waits for the endpoint
    with django_capture_on_commit_callbacks(execute=True):
        delivery.run_due()
    gave_up, waiting = _deliveries()
    assert gave_up.status == DeliveryStatus.FAILED
    assert gave_up.attempts == 2
    assert waiting.status == DeliveryStatus.RETRYING  # tried once before the endpoint went off
    with scopes_disabled():
        endpoint.refresh_from_db()
        assert not endpoint.is_active
        assert endpoint.disabled_reason == "deliveries failed for 24 hours"
        notice = Event.objects.get(kind="webhook.endpoint_disabled")
    assert notice.payload == {"endpoint_id": str(endpoint.pk), "url": endpoint.url}
    with scopes_disabled():
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert delivery.run_due() == 0  # an endpoint switched off gets nothing


@override_settings(KASSE_WEBHOOKS_READ_TIMEOUT=3)
def test_a_hanging_receiver_does_not_hold_up_the_others(organization, owner, receiver):
    hanging = _endpoint(organization, owner, receiver.url("/hang"), events=["refund.created"])
    fine = _endpoint(organization, owner, receiver.url("/ok/fine"))
    receiver.secrets["fine"] = fine.secret
    _queue(organization, kind="refund.created", n=4)  # as many as one endpoint may have in flight
    _queue(organization, n=12)
    started = time.monotonic()
    delivery.run_due(threads=8)
    arrived = receiver.ok("fine")
    assert len(arrived) == 12
    assert all(r.verified for r in arrived)
    # All twelve arrived while the hanging receiver still held its four requests (3 s until they time out)
    assert max(r.at for r in arrived) - started < 3
    stuck = _deliveries(endpoint=hanging)
    assert [d.status for d in stuck] == [DeliveryStatus.RETRYING] * 4
    assert all("timed out" in d.error for d in stuck)


@override_settings(KASSE_WEBHOOKS_READ_TIMEOUT=4)
def test_receivers_hanging_together_on_every_thread_do_not_hold_up_the_others(organization, owner, receiver):
    for n in range(3):  # 3 endpoints x 4 requests in flight: more than the 8 threads
        _endpoint(organization, owner, receiver.url(f"/hang/{n}"), events=["refund.created"])
    fine = _endpoint(organization, owner, receiver.url("/ok/fine"))
    receiver.secrets["fine"] = fine.secret
    _queue(organization, kind="refund.created", n=4)  # queued first: the worker meets them before the others
    _queue(organization, n=12)
    started = time.monotonic()
    delivery.run_due(threads=8)
    arrived = receiver.ok("fine")
    assert len(arrived) == 12
    # The hanging requests took all 8 threads at first; a second later they stopped counting against them,
    # and the twelve went out long before the 4 s timeout freed a thread
    assert max(r.at for r in arrived) - started < 3
    assert {d.status for d in _deliveries(endpoint=fine)} == {DeliveryStatus.SUCCEEDED}
    assert len([d for d in _deliveries() if d.status == DeliveryStatus.RETRYING]) == 12


def test_a_fast_receiver_gets_its_calls_over_a_few_kept_alive_connections(organization, owner, receiver):
    fine = _endpoint(organization, owner, receiver.url("/ok/fine"))
    receiver.secrets["fine"] = fine.secret
    _queue(organization, n=60)
    assert delivery.run_due(threads=32) == 60
    arrived = receiver.ok("fine")
    assert len(arrived) == 60
    assert all(r.verified for r in arrived)
    # never more connections than requests in flight to one endpoint may be, each carrying several calls
    assert len({r.peer_port for r in arrived}) <= delivery.MAX_PER_ENDPOINT
    assert {d.status for d in _deliveries()} == {DeliveryStatus.SUCCEEDED}
    assert all(d.request_body and d.attempts == 1 and d.first_attempt_at for d in _deliveries())


def test_an_endpoint_gets_more_in_flight_while_it_answers_fast_and_four_again_after_a_timeout():
    endpoint = uuid7()
    request = delivery._Request(uuid7(), endpoint, "http://127.0.0.1/", b"{}", "s", "m", 0, timezone.now())
    fast = delivery._Result(request, 204, "", 12, "", timezone.now())
    slow = delivery._Result(request, 204, "", 4000, "", timezone.now())
    timed_out = delivery._Result(request, None, "", 3000, "TimeoutError: timed out", timezone.now())
    limit: dict = {}
    ceiling: dict = {}
    delivery._adapt(limit, ceiling, fast)
    assert limit[endpoint] == delivery.PER_ENDPOINT + 1
    for _ in range(30):
        delivery._adapt(limit, ceiling, fast)
    assert (limit[endpoint], ceiling[endpoint]) == (16, 64)
    delivery._adapt(limit, ceiling, timed_out)
    assert (limit[endpoint], ceiling[endpoint]) == (4, 16)
    for _ in range(3):
        delivery._adapt(limit, ceiling, fast)
    delivery._adapt(limit, ceiling, slow)  # delivered, but slowly
    assert limit[endpoint] == 4


def test_a_redirect_to_a_private_address_is_refused(organization, owner, receiver):
    _endpoint(organization, owner, receiver.url("/redirect/10.1.2.3"))
    _endpoint(organization, owner, receiver.url("/redirect/169.254.169.254"))
    _queue(organization)
    delivery.run_due()
    errors = sorted(d.error for d in _deliveries())
    assert errors == [
        "refused: 10.1.2.3 resolves to 10.1.2.3, which is not a public address",
        "refused: 169.254.169.254 resolves to 169.254.169.254, which is not a public address",
    ]
    assert {d.status for d in _deliveries()} == {DeliveryStatus.RETRYING}


def test_a_test_event_and_a_redelivery_carry_the_same_webhook_id(
    organization, owner, receiver, django_capture_on_commit_callbacks
):
    endpoint = _endpoint(organization, owner, receiver.url("/ok/shop"))
    receiver.secrets["shop"] = endpoint.secret
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_test_event(actor=Actor.for_user(owner), endpoint=endpoint)
    with scopes_disabled():
        sent.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.redeliver(actor=Actor.for_user(owner), delivery=sent)
    first, again = receiver.ok("shop")
    assert first.verified
    assert again.verified
    assert json.loads(first.body)["type"] == "webhook.test"
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    assert first.body == again.body
    (only,) = _deliveries()
    assert (only.status, only.attempts) == (DeliveryStatus.SUCCEEDED, 2)


@override_settings(KASSE_WEBHOOKS_ALLOW_LOOPBACK=False)
def test_an_endpoint_must_be_a_public_http_address(organization, owner):
    for url in ["http://127.0.0.1:8000/hook", "http://10.0.0.5/hook", "http://[::1]/x", "ftp://example.org/x", "hook"]:
        with pytest.raises(ValidationError):
            _endpoint(organization, owner, url)
    with scopes_disabled():
        assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_needs_a_listed_event(organization, owner, receiver):
    with pytest.raises(ValidationError):
        _endpoint(organization, owner, receiver.url("/ok/x"), events=["sale.exploded"])
    with pytest.raises(ValidationError):
        _endpoint(organization, owner, receiver.url("/ok/x"), events=[])


def test_an_endpoint_that_slows_down_gives_back_what_it_cannot_send_within_its_lease(organization, owner, receiver):
    """A receiver that answered fast had 16 in flight and 64 claimed; its first timeout puts it back to 4 in
    flight, and it keeps only 4 × 4 claimed: the rest are given back (due again now), so that they neither
    outlast their lease while they wait (another run would send them too) nor fill the queue that the other
    endpoints' deliveries are claimed into."""
    fast_then_slow = _endpoint(organization, owner, receiver.url("/ok/shop"))
    _queue(organization, n=64)
    held: dict = {}
    ceiling = {fast_then_slow.pk: delivery.HOLD_AHEAD * delivery.MAX_PER_ENDPOINT}
    claimed, _more = delivery._claim(64, held, ceiling)
    held[fast_then_slow.pk] = len(claimed)
    assert len(claimed) == 64
    limit = {fast_then_slow.pk: delivery.MAX_PER_ENDPOINT}
    timed_out = delivery._Result(claimed[0], None, "", 3000, "TimeoutError: timed out", timezone.now())
    assert delivery._adapt(limit, ceiling, timed_out)  # the limit went down

    kept = delivery._shed(deque(claimed), held, ceiling, fast_then_slow.pk)

    assert [r.delivery_id for r in kept] == [r.delivery_id for r in claimed[:16]]  # the oldest stay, in order
    assert held[fast_then_slow.pk] == 16
    now = timezone.now()
    by_id = {d.pk: d for d in _deliveries(endpoint=fast_then_slow)}
    assert all(by_id[r.delivery_id].next_attempt_at > now for r in kept)  # still leased to this run
    given_back = [r.delivery_id for r in claimed[16:]]
    assert all(by_id[pk].next_attempt_at <= now for pk in given_back)  # due again at once
    assert {by_id[pk].status for pk in given_back} == {DeliveryStatus.PENDING}
    assert delivery._shed(kept, held, ceiling, fast_then_slow.pk) == kept  # nothing more to give back
