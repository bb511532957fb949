"""The audit log page (GoBD): who sees which entries, the filters, the pages, and the store of an entry."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.models import AuditEntry
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, OrganizationFactory, RegisterFactory, StoreFactory, UserFactory
from kasse.testing.history import rewriting_history
from kasse.testing.plugin import soup_of, text, texts

BERLIN = ZoneInfo("Europe/Berlin")
URL = "fiscal:audit-log"


def _client_for(organization, store=None, role=Role.MANAGER) -> Client:
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, role) if store else role)
    client = Client()
    client.force_login(user)
    return client


def _entry(organization, action, actor, obj=None, when=None, **data) -> AuditEntry:
    with scope(organization=organization):
        entry = log_action(organization, actor, action, obj, data)
    if when is not None:
        with scopes_disabled(), rewriting_history("core_auditentry"):
            AuditEntry.objects.filter(pk=entry.pk).update(created_at=when)
    return entry


@pytest.fixture
def log(organization, store, register, owner):
    """Entries of two stores and of the whole organization, by two people, on two days."""
    other = StoreFactory(organization=organization, name="Filiale Süd", number=902)
    other_register = RegisterFactory(store=other, organization=organization, number=2)
    anna = Actor(kind="employee", label="Anna Kasse")
    owner_actor = Actor.for_user(owner)
    day = datetime(2026, 12, 7, 10, tzinfo=BERLIN)
    _entry(organization, "sales.sale.completed", anna, register, day, total="4.20")
    _entry(organization, "sales.sale.completed", anna, other_register, day)
    _entry(organization, "catalog.price.changed", owner_actor, store, day - timedelta(days=1), price="1.99")
    _entry(organization, "tenancy.employee.created", owner_actor, None, day)
    return store, other


@pytest.mark.django_db
def test_log_action_finds_the_store_of_the_object(organization, store, register):
    actor = Actor(kind="system", label="test")
    with scope(organization=organization):
        assert log_action(organization, actor, "x.store", store).store_id == store.pk
        assert log_action(organization, actor, "x.register", register).store_id == store.pk
        assert log_action(organization, actor, "x.none", None).store_id is None
        other = StoreFactory(organization=organization, number=77)
        assert log_action(organization, actor, "x.given", register, store=other).store_id == other.pk


@pytest.mark.django_db
def test_the_owner_sees_every_entry_and_filters_by_who_what_when_and_store(owner_client, organization, log):
    mine, other = log
    page = soup_of(owner_client.get(reverse(URL)))
    assert len(texts(page, "audit-row")) == 4
    assert sorted(texts(page, "audit-store")) == sorted(
        ["Filiale Mitte", "Filiale Süd", "Filiale Mitte", "Organisation"]
    )
    # Who: part of a name; what: part of the action
    assert texts(soup_of(owner_client.get(reverse(URL), {"who": "anna"})), "audit-who") == ["Anna Kasse"] * 2
    actions = texts(soup_of(owner_client.get(reverse(URL), {"action": "price"})), "audit-action")
    assert actions == ["catalog.price.changed"]
    # When: whole local days
    day = soup_of(owner_client.get(reverse(URL), {"date_from": "2026-12-06", "date_to": "2026-12-06"}))
    assert texts(day, "audit-action") == ["catalog.price.changed"]
    # Store, and the entries of no store
    in_other = soup_of(owner_client.get(reverse(URL), {"store": str(other.pk)}))
    assert texts(in_other, "audit-store") == ["Filiale Süd"]
    org_wide = soup_of(owner_client.get(reverse(URL), {"store": "organization"}))
    assert texts(org_wide, "audit-action") == ["tenancy.employee.created"]
    # A range that ends before it starts is refused with a message
    refused = owner_client.get(reverse(URL), {"date_from": "2026-12-07", "date_to": "2026-12-01"})
    assert refused.status_code == 400
    assert "Das Enddatum liegt vor dem Startdatum." in text(soup_of(refused), "form-errors")


@pytest.mark.django_db
def test_a_store_manager_sees_only_their_stores_entries(organization, log):
    mine, other = log
    client = _client_for(organization, mine)
    page = soup_of(client.get(reverse(URL)))
    assert texts(page, "audit-store") == ["Filiale Mitte", "Filiale Mitte"]
    # Another store or the organization's entries cannot be chosen
    assert client.get(reverse(URL), {"store": str(other.pk)}).status_code == 400
    assert client.get(reverse(URL), {"store": "organization"}).status_code == 400
    # An all-stores manager sees both stores, not the organization's entries; a cashier nothing
    everywhere = soup_of(_client_for(organization).get(reverse(URL)))
    assert sorted(set(texts(everywhere, "audit-store"))) == ["Filiale Mitte", "Filiale Süd"]
    assert _client_for(organization, mine, Role.CASHIER).get(reverse(URL)).status_code == 403


@pytest.mark.django_db
def test_another_organizations_entries_never_show_and_pages_hold_fifty(owner_client, organization, store, owner):
    stranger = OrganizationFactory()
    _entry(stranger, "catalog.product.created", Actor(kind="system", label="x"))
    actor = Actor.for_user(owner)
    for n in range(55):
        _entry(organization, f"catalog.product.n{n:02d}", actor, store)
    first = soup_of(owner_client.get(reverse(URL)))
    assert len(texts(first, "audit-row")) == 50
    assert texts(first, "page-info") == ["Seite 1 von 2 (55 Einträge)"]
    second = soup_of(owner_client.get(reverse(URL), {"page": 2}))
    assert len(texts(second, "audit-row")) == 5
    assert not any(a == "catalog.product.created" for a in texts(first, "audit-action") + texts(second, "audit-action"))
