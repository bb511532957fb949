"""E-mail notifications through a local SMTP server, quiet hours, and who may receive push and e-mail at all
(docs/notifications.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from email.header import decode_header, make_header
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.notifications import sending, vapid
from kasse.notifications.events import publish
from kasse.notifications.models import Notification, OutgoingNotification, OutgoingStatus, PushSubscription, QuietHours
from kasse.notifications.outgoing import quiet_until
from kasse.notifications.preferences import save_preferences
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, StoreFactory, UserFactory
from kasse.testing.plugin import soup_of, texts
from kasse.testing.push_service import PushService
from kasse.testing.smtp import smtp_server

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def mailbox(settings: Any):
    with smtp_server() as (box, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.PUBLIC_URL = "https://kasse.example"
        yield box


@pytest.fixture
def push_service():
    with PushService() as running:
        yield running


def _wants(user, organization, kind="refund.created", *, push=True, email=True, store=None):
    save_preferences(
        user=user,
        organization=organization,
        store=store,
        rows=[{"kind": kind, "in_app": True, "push": push, "email": email}],
    )


def _device(user, organization, service):
    browser = service.subscribe(vapid.application_server_key())
    with scopes_disabled():
        return PushSubscription.objects.create(
            organization=organization,
            user=user,
            endpoint=browser["endpoint"],
            p256dh=browser["keys"]["p256dh"],
            auth=browser["keys"]["auth"],
        )


def _refund(organization, store, capture, total="-12.50", number=4):
    with capture(execute=True):
        publish("refund.created", organization, store, {"total": total, "receipt_number": number, "employee": "Clara"})


def _outgoing(**filters):
    with scopes_disabled():
        return list(OutgoingNotification.objects.filter(**filters).order_by("created_at"))


def _subject(mail) -> str:
    return str(make_header(decode_header(mail.message["Subject"])))


def _person(organization, email, role):
    user = UserFactory(email=email)
    EmployeeFactory(organization=organization, display_name=email.split("@")[0], user=user, role=role)
    return user


def test_an_owner_who_chose_email_gets_it_in_html_and_plain_text(
    organization, owner, store, mailbox, django_capture_on_commit_callbacks
):
    _refund(organization, store, django_capture_on_commit_callbacks)
    assert mailbox.messages == []  # e-mail is off until chosen
    _wants(owner, organization, push=False)
    _refund(organization, store, django_capture_on_commit_callbacks, number=5)
    (mail,) = mailbox.to("owner@example.org")
    assert _subject(mail) == "kasse: Filiale Mitte: Rückgabe über -12,50 € (Beleg 5, Clara)"
    plain, html = mail.part("text/plain"), mail.part("text/html")
    assert "Alle Benachrichtigungen: https://kasse.example/notifications/" in plain
    assert "https://kasse.example/notifications/settings/" in plain
    assert "Filiale Mitte: Rückgabe über -12,50 € (Beleg 5, Clara)</h1>" in html
    assert [o.status for o in _outgoing(channel="email")] == [OutgoingStatus.SENT]


def test_a_mail_server_that_refuses_or_is_down_is_logged_shown_and_retried_where_it_helps(
    organization, owner, owner_client, store, mailbox, settings, django_capture_on_commit_callbacks
):
    _wants(owner, organization, push=False)
    mailbox.refuse_recipients = "550 5.1.1 mailbox unavailable"
    _refund(organization, store, django_capture_on_commit_callbacks)
    (refused,) = _outgoing()
    assert refused.status == OutgoingStatus.FAILED  # for good: trying again would not help
    assert "refused" in refused.error
    mailbox.refuse_recipients = "451 4.3.0 try again later"
    _refund(organization, store, django_capture_on_commit_callbacks, number=5)
    assert _outgoing()[-1].status == OutgoingStatus.RETRYING
    mailbox.refuse_recipients = ""
    port, settings.EMAIL_PORT = settings.EMAIL_PORT, 1  # nothing listens: connection refused
    _refund(organization, store, django_capture_on_commit_callbacks, number=6)
    down = _outgoing()[-1]
    assert down.status == OutgoingStatus.RETRYING
    assert down.attempts == 1
    page = soup_of(owner_client.get("/notifications/settings/"))
    assert [p["data-status"] for p in page.select('[data-testid="delivery-problem"]')] == [
        "retrying",
        "retrying",
        "failed",
    ]
    with scopes_disabled():
        assert Notification.objects.filter(user=owner).count() == 3  # the app had each at once
    settings.EMAIL_PORT = port
    assert sending.run_due(now=timezone.now() + timedelta(seconds=15)) == 2
    assert len(mailbox.to("owner@example.org")) == 2


def test_quiet_hours_hold_push_and_email_and_send_one_summary_when_they_end(
    organization, owner, owner_client, store, mailbox, push_service, django_capture_on_commit_callbacks
):
    _wants(owner, organization)
    device = _device(owner, organization, push_service)
    local = timezone.now().astimezone(BERLIN)
    starts, ends = (
        (local - timedelta(hours=1)).time(),
        (local + timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )
    with scopes_disabled():
        QuietHours.objects.create(organization=organization, user=owner, starts=starts, ends=ends)
    _refund(organization, store, django_capture_on_commit_callbacks, number=4)
    _refund(organization, store, django_capture_on_commit_callbacks, total="-3.00", number=5)
    with scopes_disabled():
        assert Notification.objects.filter(user=owner).count() == 2  # the app shows them at once
    assert push_service.received == []
    assert mailbox.messages == []
    assert {o.status for o in _outgoing()} == {OutgoingStatus.HELD}
    assert sending.run_due() == 0
    end = _outgoing()[0].next_attempt_at
    assert end.astimezone(BERLIN).time() == ends
    assert sending.run_due(now=end + timedelta(seconds=1)) == 4
    (summary,) = push_service.messages_for(device.endpoint)
    assert summary.payload["title"] == "2 Benachrichtigungen während Ihrer Ruhezeit"
    assert summary.payload["body"].splitlines() == [
        "Filiale Mitte: Rückgabe über -12,50 € (Beleg 4, Clara)",
        "Filiale Mitte: Rückgabe über -3,00 € (Beleg 5, Clara)",
    ]
    (mail,) = mailbox.to("owner@example.org")
    assert _subject(mail) == "kasse: 2 Benachrichtigungen während Ihrer Ruhezeit"
    assert "- Filiale Mitte: Rückgabe über -3,00 € (Beleg 5, Clara)" in mail.part("text/plain")


def test_quiet_hours_over_midnight_and_the_form(owner_client, owner, organization, store):
    night = (time(22, 0), time(7, 0), "Europe/Berlin")
    at = lambda h, m=0: datetime(2026, 12, 7, h, m, tzinfo=BERLIN).astimezone(UTC)  # noqa: E731
    assert quiet_until(*night, at(23)) == datetime(2026, 12, 8, 7, 0, tzinfo=BERLIN).astimezone(UTC)
    assert quiet_until(*night, at(3)) == datetime(2026, 12, 7, 7, 0, tzinfo=BERLIN).astimezone(UTC)
    assert quiet_until(*night, at(7)) is None
    assert quiet_until(*night, at(12)) is None
    assert quiet_until(time(12), time(13), "Europe/Berlin", at(12, 30)) == at(13)
    response = owner_client.post("/notifications/quiet-hours/", {"quiet_from": "25:00", "quiet_until": "07:00"})
    assert response.status_code == 302
    page = soup_of(owner_client.get("/notifications/settings/"))
    assert "Bitte geben Sie beide Zeiten Ihrer Ruhezeit als HH:MM ein oder keine." in page.get_text()
    with scopes_disabled():
        assert not QuietHours.objects.exists()
    owner_client.post("/notifications/quiet-hours/", {"quiet_from": "22:00", "quiet_until": "07:00"})
    page = soup_of(owner_client.get("/notifications/settings/"))
    assert page.select_one('[data-testid="quiet-from"]')["value"] == "22:00"
    assert page.select_one('[data-testid="quiet-until"]')["value"] == "07:00"
    owner_client.post("/notifications/quiet-hours/", {"quiet_from": "", "quiet_until": ""})
    with scopes_disabled():
        assert not QuietHours.objects.exists()


def test_a_cashier_never_and_a_manager_only_for_their_store_get_push_or_email(
    organization, owner, store, mailbox, push_service, django_capture_on_commit_callbacks
):
    other_store = StoreFactory(organization=organization, name="Filiale Süd")
    here = _person(organization, "filiale@example.org", (store, Role.MANAGER))
    there = _person(organization, "sued@example.org", (other_store, Role.MANAGER))
    till_user = _person(organization, "kasse@example.org", (store, Role.CASHIER))
    people = {"owner": owner, "here": here, "there": there, "cashier": till_user}
    devices = {}
    for name, person in people.items():
        _wants(person, organization)  # each asked for push and e-mail (a cashier's row as if from an old role)
        devices[name] = _device(person, organization, push_service)
    _refund(organization, store, django_capture_on_commit_callbacks)
    got_push = {name for name, d in devices.items() if push_service.messages_for(d.endpoint)}
    got_mail = {name for name, p in people.items() if mailbox.to(p.email)}
    assert got_push == got_mail == {"owner", "here"}
    # The owner's settings per store: the other store's refund reaches the owner and its manager only.
    _refund(organization, other_store, django_capture_on_commit_callbacks, number=9)
    assert {name for name, p in people.items() if len(mailbox.to(p.email)) == 1 and name != "owner"} == {
        "here",
        "there",
    }
    assert len(mailbox.to("owner@example.org")) == 2


def test_push_and_email_choices_are_saved_from_the_settings_page(owner_client, owner, organization):
    owner_client.post(
        "/notifications/settings/",
        {"refund.created-in_app": "on", "refund.created-email": "on", "shift.closed-push": "on"},
    )
    page = soup_of(owner_client.get("/notifications/settings/"))
    refund = page.select_one('[data-kind="refund.created"]')
    assert refund.select_one('[data-testid="pref-email"]').has_attr("checked")
    assert not refund.select_one('[data-testid="pref-push"]').has_attr("checked")
    shift = page.select_one('[data-kind="shift.closed"]')
    assert shift.select_one('[data-testid="pref-push"]').has_attr("checked")
    assert not shift.select_one('[data-testid="pref-in-app"]').has_attr("checked")
    assert texts(page, "push-enable") == ["Push auf diesem Gerät"]
    assert page.select_one("[data-push]")["data-vapid-key"] == vapid.application_server_key()


def test_a_cashier_cannot_open_the_push_or_quiet_hours_endpoints(organization, store):
    user = _person(organization, "kasse@example.org", (store, Role.CASHIER))
    client = Client()
    client.force_login(user)
    assert (
        client.post("/notifications/quiet-hours/", {"quiet_from": "22:00", "quiet_until": "07:00"}).status_code == 403
    )
    assert (
        client.post(
            "/notifications/push/unsubscribe/", json.dumps({"endpoint": "x"}), content_type="application/json"
        ).status_code
        == 403
    )
    assert client.get("/notifications/push/key/").status_code == 403
    assert (
        client.post(
            "/notifications/push/resubscribe/", json.dumps({"old_endpoint": "x"}), content_type="application/json"
        ).status_code
        == 403
    )
