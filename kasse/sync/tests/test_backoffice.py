"""The owner's sync pages: store nodes, pairing codes, revoking, anomalies, customer conflicts, live sales."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.models import AuditEntry
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sync.cloud.services import node_for_token, pair_node
from kasse.sync.models import AnomalyKind, NodePairingCode, StoreNode, SyncAnomaly, SyncConflict
from kasse.tenancy.permissions import Role
from kasse.testing.factories import CustomerFactory, EmployeeFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.post("/language/", {"language": language})
    return client


@pytest.fixture
def owner_en(owner):
    return _client(owner, "en")


@pytest.fixture
def owner_de(owner):
    return _client(owner, "de")


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.content[:500]
    return BeautifulSoup(response.content, "html.parser")


def _text(element) -> str:
    return " ".join(element.get_text(" ", strip=True).split())


def _audit(action: str) -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(action=action))


def _sale(register, cashier, variant, amount: str = "5"):
    return complete_sale(
        actor=Actor.for_employee(cashier),
        register=register,
        employee=cashier,
        cart=SaleInput(id=uuid7(), lines=[LineInput(variant.pk, 1)], payments=[PaymentInput("cash", amount)]),
    )


# --- store nodes -----------------------------------------------------------------


def test_nodes_page_shows_each_node_with_contact_backlog_version_and_state(owner_en, organization, store, node):
    # Given a node that talked to the cloud 30 s ago with 3 records waiting, and one silent for 10 minutes
    contact = timezone.now() - timedelta(seconds=30)
    with scopes_disabled():
        StoreNode.objects.filter(pk=node.pk).update(last_contact_at=contact, last_backlog=3, version="0.9.0")
        StoreNode.objects.create(
            organization=organization,
            store=store,
            name="Lager-PC",
            token_digest="y" * 64,
            customer_number_base=2_000_000,
            last_contact_at=timezone.now() - timedelta(minutes=10),
        )
    other_store = StoreFactory(organization=organization, name="Filiale Süd")
    # When the owner opens the page
    soup = _soup(owner_en.get("/nodes/"))
    # Then both nodes are listed under their store with state, last contact and backlog
    rows = {row["data-node"]: row for row in soup.select("[data-testid=node-row]")}
    assert _text(rows["Laden-PC"].select_one("[data-testid=node-state]")) == "online"
    assert _text(rows["Lager-PC"].select_one("[data-testid=node-state]")) == "offline"
    assert _text(rows["Laden-PC"].select_one("[data-testid=node-backlog]")) == "3"
    contact_text = _text(rows["Laden-PC"].select_one("[data-testid=node-contact]"))
    assert contact_text.startswith("30\xa0seconds ago") or "seconds ago" in contact_text
    # the absolute time is in the store's time zone (Berlin)
    berlin = contact.astimezone(store.tzinfo)
    assert f"{berlin:%-m/%-d/%Y}" in contact_text or f"{berlin:%m/%d/%Y}" in contact_text
    assert "0.9.0" in _text(rows["Laden-PC"])
    # and a store without a node says its registers sell through the cloud
    other = soup.select_one(f"[data-store='{other_store.name}']")
    assert "sell through the cloud" in _text(other)
    assert other.select_one("[data-testid=create-pairing-code]") is not None


def test_nodes_page_in_german_shows_times_in_the_stores_zone(owner_de, store, node):
    moment = datetime(2026, 7, 1, 10, 15, tzinfo=UTC)  # 12:15 in Berlin (summer time)
    with scopes_disabled():
        StoreNode.objects.filter(pk=node.pk).update(last_contact_at=moment)
    soup = _soup(owner_de.get("/nodes/"))
    row = soup.select_one("[data-testid=node-row]")
    assert "01.07.2026 12:15" in _text(row.select_one("[data-testid=node-contact]"))
    assert _text(row.select_one("[data-testid=node-state]")) == "offline"
    assert soup.select_one("h1").get_text(strip=True) == "Filialserver"


def test_create_pairing_code_shows_the_code_once_with_the_command(owner_en, store, settings):
    settings.PUBLIC_URL = "https://kasse.example.com/"
    response = owner_en.post(f"/nodes/store/{store.pk}/pairing-code/")
    soup = _soup(response)
    code = soup.select_one("[data-testid=node-pairing-code]").get_text(strip=True)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert soup.select_one("[data-testid=pair-command]").get_text(strip=True) == (
        f"kasse store pair {code} --cloud https://kasse.example.com"
    )
    with scopes_disabled():
        assert NodePairingCode.objects.filter(store=store, used_at__isnull=True).count() == 1
    assert len(_audit("sync.node_pairing_code.created")) == 1
    # and the code really pairs a node
    node, _token = pair_node(code=code, name="Kasse-PC", version="1.0")
    assert node.store_id == store.pk


def test_pairing_code_needs_a_post(owner_en, store):
    assert owner_en.get(f"/nodes/store/{store.pk}/pairing-code/").status_code == 405
    with scopes_disabled():
        assert not NodePairingCode.objects.exists()


def test_revoke_stops_the_node_and_the_page_shows_it(owner_en, node):
    with scopes_disabled():
        StoreNode.objects.filter(pk=node.pk).update(token_digest=_digest("kn_secret"))
    assert node_for_token("kn_secret") is not None
    response = owner_en.post(f"/nodes/{node.pk}/revoke/")
    assert response.status_code == 302
    assert node_for_token("kn_secret") is None
    assert len(_audit("sync.node.revoked")) == 1
    soup = _soup(owner_en.get("/nodes/"))
    row = soup.select_one("[data-testid=node-row]")
    assert _text(row.select_one("[data-testid=node-state]")) == "revoked"
    assert row.select_one("[data-testid=revoke-node]") is None


def _digest(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def test_a_cashier_may_not_see_or_pair_nodes(organization, store):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.CASHIER))
    client = _client(user)
    assert client.get("/nodes/").status_code == 403
    assert client.post(f"/nodes/store/{store.pk}/pairing-code/").status_code == 403
    assert client.get("/nodes/anomalies/").status_code == 403
    with scopes_disabled():
        assert not NodePairingCode.objects.exists()


def test_nav_has_store_nodes_and_live_sales(owner_en):
    soup = _soup(owner_en.get("/nodes/"))
    nav = [a.get_text(strip=True) for a in soup.select("[data-testid=mainnav] a")]
    assert "Store nodes" in nav
    assert "Live sales" in nav
    assert [a.get_text(strip=True) for a in soup.select("[data-testid=mainnav] a.active")] == ["Store nodes"]


# --- anomalies -------------------------------------------------------------------


@pytest.fixture
def sold(register, shift, cashier, coffee, in_scope):
    return _sale(register, cashier, coffee.variants.get())


def test_anomalies_list_the_sale_the_details_and_can_be_resolved(owner_en, organization, register, node, sold):
    with scopes_disabled():
        anomaly = SyncAnomaly.objects.create(
            organization=organization,
            node=node,
            kind=AnomalyKind.PAYMENTS,
            model="sales.Sale",
            object_id=str(sold.pk),
            detail={"total": "2.80", "paid": "2.50"},
        )
    soup = _soup(owner_en.get("/nodes/anomalies/"))
    row = soup.select_one("[data-testid=anomaly-row]")
    assert _text(row.select_one("[data-testid=anomaly-kind]")) == "Payments do not match the total"
    assert _text(row.select_one("[data-testid=anomaly-sale]")) == (
        f"Receipt {sold.receipt_number} {register.store.name} · {register.name}"
    )
    assert _text(row.select_one("[data-testid=anomaly-detail]")) == "Total of the sale 2.80 € Paid 2.50 €"
    assert "Laden-PC" in _text(row)
    assert soup.select_one("[data-testid=anomalies-link] .badge").get_text(strip=True) == "1"
    # When the owner marks it resolved
    response = owner_en.post(f"/nodes/anomalies/{anomaly.pk}/resolve/")
    assert response.status_code == 302
    # Then it leaves the open list, and shows among the resolved ones; the sale is untouched
    with scopes_disabled():
        anomaly.refresh_from_db()
        sold.refresh_from_db()
    assert anomaly.resolved_at is not None
    assert len(_audit("sync.anomaly.resolved")) == 1
    assert _soup(owner_en.get("/nodes/anomalies/")).select_one("[data-testid=no-anomalies]") is not None
    resolved = _soup(owner_en.get("/nodes/anomalies/?resolved=1"))
    assert len(resolved.select("[data-testid=anomaly-row]")) == 1
    assert resolved.select_one("[data-testid=resolve-anomaly]") is None
    # resolving twice changes nothing more
    owner_en.post(f"/nodes/anomalies/{anomaly.pk}/resolve/")
    assert len(_audit("sync.anomaly.resolved")) == 1


def test_a_quarantined_number_clash_shows_the_register_from_the_detail(owner_de, organization, register, node):
    with scopes_disabled():
        SyncAnomaly.objects.create(
            organization=organization,
            node=node,
            kind=AnomalyKind.NUMBER_CLASH,
            model="sales.Sale",
            object_id=str(uuid.uuid4()),
            payload={"id": "x", "rows": []},
            detail={"register_id": str(register.pk), "receipt_number": 17},
        )
    soup = _soup(owner_de.get("/nodes/anomalies/"))
    row = soup.select_one("[data-testid=anomaly-row]")
    assert _text(row.select_one("[data-testid=anomaly-sale]")) == (f"Beleg 17 {register.store.name} · {register.name}")
    assert _text(row.select_one("[data-testid=anomaly-kind]")) == "Belegnummer doppelt vergeben"


def test_anomaly_amounts_in_german(owner_de, organization, node, sold):
    with scopes_disabled():
        SyncAnomaly.objects.create(
            organization=organization,
            node=node,
            kind=AnomalyKind.TOTALS,
            model="sales.Sale",
            object_id=str(sold.pk),
            detail={"total": "1234.50", "lines": "1234.00"},
        )
    soup = _soup(owner_de.get("/nodes/anomalies/"))
    assert _text(soup.select_one("[data-testid=anomaly-detail]")) == (
        "Summe des Verkaufs 1234,50 € Summe der Positionen 1234,00 €"
    )


# --- conflicts -------------------------------------------------------------------


def test_conflicts_show_customer_field_values_and_times_and_can_be_marked_seen(owner_de, organization, node):
    customer = CustomerFactory(organization=organization, first_name="Erika", last_name="Muster")
    kept_at = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)  # 10:30 in Berlin
    lost_at = datetime(2026, 1, 15, 9, 29, 10, tzinfo=UTC)
    with scopes_disabled():
        conflict = SyncConflict.objects.create(
            organization=organization,
            model="customers.Customer",
            object_id=str(customer.pk),
            field="email",
            kept_value="erika@neu.example",
            kept_clock=f"{int(kept_at.timestamp() * 1000):013d}-00000-cloud",
            lost_value="erika@alt.example",
            lost_clock=f"{int(lost_at.timestamp() * 1000):013d}-00002-n{node.pk.hex[:12]}",
            node=node,
        )
    soup = _soup(owner_de.get("/nodes/conflicts/"))
    row = soup.select_one("[data-testid=conflict-row]")
    link = row.select_one("[data-testid=conflict-customer]")
    assert link["href"] == f"/customers/{customer.pk}/"
    assert "Erika" in link.get_text()
    assert _text(row.select_one("[data-testid=conflict-field]")) == "E-Mail"
    assert _text(row.select_one("[data-testid=conflict-kept]")) == "erika@neu.example 15.01.2026 10:30 · Cloud"
    assert _text(row.select_one("[data-testid=conflict-lost]")) == "erika@alt.example 15.01.2026 10:29 · Laden-PC"
    response = owner_de.post(f"/nodes/conflicts/{conflict.pk}/seen/")
    assert response.status_code == 302
    with scopes_disabled():
        conflict.refresh_from_db()
    assert conflict.seen_at is not None
    assert len(_audit("sync.conflict.seen")) == 1
    assert _soup(owner_de.get("/nodes/conflicts/")).select_one("[data-testid=no-conflicts]") is not None
    assert len(_soup(owner_de.get("/nodes/conflicts/?seen=1")).select("[data-testid=conflict-row]")) == 1


def test_conflict_of_an_empty_value(owner_en, organization):
    customer = CustomerFactory(organization=organization)
    with scopes_disabled():
        SyncConflict.objects.create(
            organization=organization,
            model="customers.Customer",
            object_id=str(customer.pk),
            field="phone",
            kept_value="",
            kept_clock="1764400000000-00000-cloud",
            lost_value="0301234",
            lost_clock="1764399000000-00000-nabc",
        )
    row = _soup(owner_en.get("/nodes/conflicts/")).select_one("[data-testid=conflict-row]")
    assert _text(row.select_one("[data-testid=conflict-kept]")).startswith("(empty)")
    assert _text(row.select_one("[data-testid=conflict-lost]")).endswith("store node")


# --- live sales ------------------------------------------------------------------


def test_live_page_renders_the_last_twenty_sales_newest_first(owner_de, register, shift, cashier, coffee, in_scope):
    variant = coffee.variants.get()
    sales = [_sale(register, cashier, variant) for _ in range(22)]
    soup = _soup(owner_de.get("/nodes/live/"))
    rows = soup.select("[data-testid=live-sale]")
    assert len(rows) == 20
    assert rows[0]["data-id"] == str(sales[-1].pk)
    assert _text(rows[0].select_one("[data-testid=live-total]")) == "2,80 €"
    assert _text(rows[0].select_one("[data-testid=live-receipt]")) == str(sales[-1].receipt_number)
    assert soup.select_one("#live-sales")["data-ws"] == "/ws/live/"
    assert soup.select_one("#live-empty").has_attr("hidden")


def test_live_page_needs_reports_capability(organization, store):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, Role.CASHIER))
    assert _client(user).get("/nodes/live/").status_code == 403


def test_pages_stay_within_a_query_budget(owner_en, organization, store, node, django_assert_max_num_queries):
    with scopes_disabled():
        for i in range(10):
            SyncAnomaly.objects.create(
                organization=organization,
                node=node,
                kind=AnomalyKind.TOTALS,
                model="sales.Sale",
                object_id=str(uuid.uuid4()),
                detail={"total": str(i)},
            )
    for url in ("/nodes/", "/nodes/anomalies/", "/nodes/conflicts/", "/nodes/live/"):
        with django_assert_max_num_queries(20):
            assert owner_en.get(url).status_code == 200
