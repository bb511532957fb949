"""The Übersicht's alerts as events (kasse/backoffice/alert_events.py): published once, again only after they
were put right and came back, worded in the reader's language, to the right people, and stock.low as the
OpenAPI document describes it."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import jsonschema_rs
import pytest
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from kasse.backoffice.alert_events import sweep, sweep_organization
from kasse.backoffice.models import PublishedAlert
from kasse.backoffice.tasks import publish_alerts
from kasse.notifications.centre import describe
from kasse.notifications.models import Event, Notification
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, OrganizationFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trouble(organization, store, register, coffee):
    """A store node silent for 30 minutes, a printer out of paper, an open TSE outage, two customer
    conflicts, and coffee below its reorder level (never stocked, level 5)."""
    from kasse.fiscal.models import OutageReason, TseOutage
    from kasse.inventory.models import StockThreshold
    from kasse.printing.models import Printer, PrinterState
    from kasse.sync.models import StoreNode, SyncConflict

    now = timezone.now()
    with scopes_disabled():
        node = StoreNode.objects.create(
            organization=organization,
            store=store,
            name="Laden-PC",
            token_digest="x" * 64,
            customer_number_base=1,
            last_contact_at=now - datetime.timedelta(minutes=30),
        )
        printer = Printer.objects.create(organization=organization, store=store, name="Bondrucker", host="10.0.0.9")
        PrinterState.objects.create(
            organization=organization, id=printer.pk, printer=printer, reachable=True, online=True,
            paper_out=True, checked_at=now,
        )  # fmt: skip
        for field in ("email", "phone"):
            SyncConflict.objects.create(
                organization=organization, model="customers.Customer", object_id="1", field=field,
                kept_value="a", kept_clock="1", lost_value="b", lost_clock="0", node=node,
            )  # fmt: skip
        outage = TseOutage.objects.create(
            organization=organization, register=register, started_at=now - datetime.timedelta(hours=1),
            reason=OutageReason.UNREACHABLE,
        )  # fmt: skip
        StockThreshold.objects.create(
            organization=organization, store=store, variant=coffee.variants.get(), minimum=Decimal(5)
        )
    return {"node": node, "printer": printer, "outage": outage}


def _events(organization):
    with scopes_disabled():
        return sorted(Event.objects.filter(organization=organization).values_list("kind", flat=True))


def test_what_needs_the_owner_is_published_once_and_again_only_after_it_came_back(
    organization, owner, trouble, django_capture_on_commit_callbacks
):
    expected = [
        "alert.customer_conflict",
        "alert.node_silent",
        "alert.printer",
        "alert.tse_outage",
        "stock.low",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert sorted(sweep_organization(organization)) == expected
    assert _events(organization) == expected
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_organization(organization) == []  # still wrong, already told
    # the printer gets paper: forgotten; it runs out again: published again
    with scopes_disabled():
        state = trouble["printer"].state
    state.paper_out = False
    state.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_organization(organization) == []
        with scopes_disabled():
            assert not PublishedAlert.objects.filter(key__startswith="printer:").exists()
    state.paper_out = True
    state.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_organization(organization) == ["alert.printer"]
    # the owner's centre says each in their language
    with scopes_disabled(), translation.override("de"):
        lines = sorted(describe(n) for n in Notification.objects.filter(user=owner))
    assert lines == [
        "2 Kunden wurden an zwei Stellen zugleich geändert.",
        "Drucker Bondrucker: Papier leer",
        "Drucker Bondrucker: Papier leer",
        "Filialserver Laden-PC hat sich nicht gemeldet.",
        "Kaffee: 0 übrig, unter dem Meldebestand von 5",
        "Kasse 1: Die Sicherheitseinrichtung (TSE) fällt aus.",
    ]


def test_a_node_silent_only_briefly_and_a_closed_outage_are_not_published(
    organization, trouble, django_capture_on_commit_callbacks
):
    node, outage = trouble["node"], trouble["outage"]
    node.last_contact_at = timezone.now() - datetime.timedelta(minutes=3)  # a restart: not yet a notification
    node.save()
    with scopes_disabled():  # an outage only ever gets its end (on PostgreSQL a trigger refuses anything else)
        type(outage).objects.filter(pk=outage.pk).update(ended_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        published = sweep_organization(organization)
    assert "alert.node_silent" not in published
    assert "alert.tse_outage" not in published


def test_a_store_manager_hears_of_their_store_and_a_cashier_and_another_store_of_nothing(
    organization, store, trouble, django_capture_on_commit_callbacks
):
    def person(email, role):
        user = UserFactory(email=email)
        EmployeeFactory(organization=organization, display_name=email, user=user, role=role)
        return user

    other = StoreFactory(organization=organization, name="Filiale Süd")
    here = person("filiale@example.org", (store, Role.MANAGER))
    there = person("sued@example.org", (other, Role.MANAGER))
    cashier_user = person("kasse@example.org", (store, Role.CASHIER))
    with django_capture_on_commit_callbacks(execute=True):
        sweep_organization(organization)
    with scopes_disabled():
        heard = {u.email: sorted(Notification.objects.filter(user=u).values_list("kind", flat=True))
                 for u in (here, there, cashier_user)}  # fmt: skip
    # the store's manager: its node, printer, TSE and stock; the customer conflicts need "manage settings"
    assert heard == {
        "filiale@example.org": ["alert.node_silent", "alert.printer", "alert.tse_outage", "stock.low"],
        "sued@example.org": [],
        "kasse@example.org": [],
    }


def test_stock_low_reaches_a_webhook_as_the_openapi_document_describes(
    organization, store, trouble, django_capture_on_commit_callbacks
):
    from kasse.api.webhook_docs import envelope
    from kasse.notifications.delivery import body_of
    from kasse.notifications.models import WebhookDelivery, WebhookEndpoint

    with scopes_disabled():
        WebhookEndpoint.objects.create(
            organization=organization, url="http://127.0.0.1:9/hooks", events=["stock.low"], secret="whsec_x"
        )
    with django_capture_on_commit_callbacks(execute=True):
        sweep_organization(organization)
    with scopes_disabled():
        delivery = WebhookDelivery.objects.select_related("event").get(event__kind="stock.low")
        event = delivery.event
    jsonschema_rs.validator_for(envelope("stock.low")).validate(json.loads(body_of(delivery)))
    assert (event.payload["product_name"], event.payload["quantity"], event.payload["threshold"]) == (
        "Kaffee", "0.000", "5.000",
    )  # fmt: skip


def test_the_periodic_task_sweeps_every_organization_and_one_failing_does_not_stop_the_others(
    organization, trouble, django_capture_on_commit_callbacks, monkeypatch
):
    from kasse.backoffice import alert_events

    broken = OrganizationFactory()
    real = alert_events.sweep_organization

    def failing_for_one(org, now=None):
        if org.pk == broken.pk:
            raise RuntimeError("boom")
        return real(org, now)

    monkeypatch.setattr(alert_events, "sweep_organization", failing_for_one)
    with django_capture_on_commit_callbacks(execute=True):
        assert publish_alerts.func() == 5
    assert len(_events(organization)) == 5
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 0
