"""The notification centre: who hears of what, in which store, from which amount; the unread count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client
from django_scopes import scopes_disabled

from kasse.notifications.centre import user_group
from kasse.notifications.models import Notification
from kasse.notifications.preferences import save_preferences
from kasse.notifications.tests.test_webhooks import _sell
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, RegisterFactory, StoreFactory, UserFactory
from kasse.testing.plugin import soup_of, texts

pytestmark = pytest.mark.django_db


def _person(organization, email, role):
    user = UserFactory(email=email)
    EmployeeFactory(organization=organization, display_name=email.split("@")[0], user=user, role=role)
    return user


def _notified(user):
    with scopes_disabled():
        return [n.kind for n in Notification.objects.filter(user=user).order_by("created_at")]


def test_owners_and_the_stores_manager_hear_of_a_refund_a_cashier_and_another_store_do_not(
    organization, owner, store, register, cashier, manager, shift, rolls, django_capture_on_commit_callbacks
):
    other_store = StoreFactory(organization=organization, name="Filiale Süd")
    here = _person(organization, "filiale@example.org", (store, Role.MANAGER))
    there = _person(organization, "sued@example.org", (other_store, Role.MANAGER))
    till_user = _person(organization, "kasse@example.org", (store, Role.CASHIER))
    from kasse.notifications.events import publish

    with django_capture_on_commit_callbacks(execute=True):
        publish("refund.created", organization, store, {"total": "-3.00", "receipt_number": 4, "employee": "Clara"})
        publish("webhook.endpoint_disabled", organization, None, {"url": "https://x.example/"})
    assert _notified(owner) == ["refund.created", "webhook.endpoint_disabled"]
    assert _notified(here) == ["refund.created"]  # their store; the organization's webhooks are not theirs
    assert _notified(there) == []
    assert _notified(till_user) == []


def test_every_sale_is_optional_and_a_minimum_amount_keeps_small_ones_quiet(
    organization, owner, store, register, cashier, shift, rolls, coffee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _sell(register, cashier, rolls)
    assert _notified(owner) == []  # off by default
    save_preferences(
        user=owner,
        organization=organization,
        store=None,
        rows=[{"kind": "sale.completed", "in_app": True, "min_amount": "1.00"}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        _sell(register, cashier, rolls)  # 0.45 €: below the minimum
        _sell(register, cashier, coffee)  # 2.80 €
    with scopes_disabled():
        (only,) = Notification.objects.filter(user=owner)
    assert only.payload["total"] == "2.80"
    # A store's own choice wins over the all-stores one
    save_preferences(
        user=owner, organization=organization, store=store, rows=[{"kind": "sale.completed", "in_app": False}]
    )
    with django_capture_on_commit_callbacks(execute=True):
        _sell(register, cashier, coffee)
    assert _notified(owner) == ["sale.completed"]
    other = StoreFactory(organization=organization)
    other_register = RegisterFactory(store=other, organization=organization, number=1)
    assert other_register.pk


def test_the_centre_lists_in_german_marks_read_and_the_socket_hears_the_count(
    organization, owner, owner_client, store, django_capture_on_commit_callbacks
):
    from kasse.notifications.events import publish

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(owner.pk, organization.pk), channel)
    with django_capture_on_commit_callbacks(execute=True):
        publish("shift.closed", organization, store, {"z_number": 7, "cash_difference": "-1.50"})
    assert async_to_sync(layer.receive)(channel) == {"type": "notify.count", "count": 1}
    page = soup_of(owner_client.get("/sales/receipts/"))
    assert texts(page, "notification-count") == ["1"]
    with django_capture_on_commit_callbacks(execute=True):
        page = soup_of(owner_client.get("/notifications/"))
    assert texts(page, "notification-text") == ["Z-Bon 7 abgeschlossen, Kassendifferenz -1,50 €"]
    assert async_to_sync(layer.receive)(channel) == {"type": "notify.count", "count": 0}
    assert texts(soup_of(owner_client.get("/notifications/")), "notification-count") == ["0"]


def test_a_cashier_with_a_login_has_no_bell_and_no_centre(organization, store):
    user = _person(organization, "kasse@example.org", (store, Role.CASHIER))
    client = Client()
    client.force_login(user)
    assert client.get("/notifications/").status_code == 403


def test_the_settings_page_saves_choices_per_store_and_refuses_a_bad_amount(owner_client, owner, organization, store):
    response = owner_client.post(
        "/notifications/settings/", {"sale.completed-in_app": "on", "sale.completed-min_amount": "abc"}
    )
    assert response.status_code == 422
    assert texts(soup_of(response), "error-min-amount") == [
        "Bitte geben Sie einen Betrag in Euro ein, z. B. 50 oder 12,50."
    ]
    owner_client.post("/notifications/settings/", {"sale.completed-in_app": "on", "sale.completed-min_amount": "50,00"})
    page = soup_of(owner_client.get("/notifications/settings/"))
    row = page.select_one('[data-kind="sale.completed"]')
    assert row.select_one('[data-testid="pref-in-app"]').has_attr("checked")
    assert row.select_one('[data-testid="pref-min-amount"]')["value"] == "50,00"
    refunds = page.select_one('[data-kind="refund.created"] [data-testid="pref-in-app"]')
    assert not refunds.has_attr("checked")  # saved as off: the form did not tick it
    assert Decimal("50.00")


def test_an_event_nobody_chose_and_nobody_gets_unasked_looks_at_no_employee(organization, owner, store):
    """Every uploaded sale asks who wants ``sale.completed``: while nobody chose it, that is one look at the
    preferences and none at the employees and their roles; once someone chose it, they are found."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_scopes import scope

    from kasse.notifications.centre import _candidates, wishes

    with scope(organization=organization), CaptureQueriesContext(connection) as queries:
        assert _candidates(organization.pk, store.pk, "sale.completed") == []
        assert wishes(organization.pk, store.pk, "sale.completed") == []
    assert len(queries) == 2
    assert "notificationpreference" in queries[0]["sql"]
    save_preferences(user=owner, organization=organization, store=None, rows=[{"kind": "sale.completed", "push": True}])
    with scope(organization=organization):
        assert _candidates(organization.pk, store.pk, "sale.completed") == []  # not in the app
        assert [w.user_id for w in wishes(organization.pk, store.pk, "sale.completed")] == [owner.pk]
        assert [user for user, _minimum in _candidates(organization.pk, store.pk, "shift.closed")] == [owner.pk]
