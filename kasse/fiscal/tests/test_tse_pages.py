"""The back office's TSE pages: per store the TSE and its device information, registers as clients (a
register added later gets registered), set-up of a development or fiskaly TSE, outages and unsigned
receipts with filters; who sees and does what."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.models import AuditEntry
from kasse.fiscal.models import TseClientRegistration, TseDevice
from kasse.fiscal.services import create_development_tse, register_tse_client, start_transaction
from kasse.fiscal.tse.fiskaly_api import FiskalyApi
from kasse.tenancy.permissions import Role
from kasse.testing.factories import EmployeeFactory, RegisterFactory, StoreFactory, UserFactory
from kasse.testing.fiskaly_server import FakeFiskaly
from kasse.testing.plugin import soup_of, text, texts

SYSTEM = Actor.system()


def _client_for(organization, store=None, role=Role.MANAGER) -> Client:
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(store, role) if store else role)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shop(organization, store, register):
    """Store 1 with its own development TSE and register 1 its client; store 2 without a TSE."""
    with scope(organization=organization):
        create_development_tse(organization=organization, actor=SYSTEM, store=store)
        register_tse_client(register=register, actor=SYSTEM)
    other = StoreFactory(organization=organization, name="Filiale Süd", number=902)
    RegisterFactory(store=other, organization=organization, number=5, name="Kasse Süd")
    return store, other


@pytest.mark.django_db
def test_the_owner_sees_each_store_and_registers_a_register_added_later(owner_client, organization, shop, store):
    mine, other = shop
    # A register added after the TSE was set up is not a client yet
    later = RegisterFactory(store=store, organization=organization, number=2, name="Kasse 2")
    page = soup_of(owner_client.get(reverse("fiscal:tse-overview")))
    assert texts(page, "tse-store-link") == ["Filiale Mitte", "Filiale Süd"]
    assert texts(page, "tse-store-unregistered") == ["1", "1"]
    assert "Entwicklungs-TSE" in texts(page, "tse-store-device")[0]
    assert texts(page, "tse-store-device")[1] == "keine"
    detail = soup_of(owner_client.get(reverse("fiscal:tse-store", args=[store.pk])))
    assert texts(detail, "tse-register-client") == ["ja", "nicht angemeldet"]
    # The owner registers it; it is a client, and the registration is audited
    response = owner_client.post(reverse("fiscal:tse-store-clients", args=[store.pk]))
    assert response.status_code == 302
    with scopes_disabled():
        assert TseClientRegistration.objects.filter(register=later).exists()
        assert AuditEntry.objects.filter(action="fiscal.tse.client_registered", object_id__isnull=False).count() == 2
    detail = soup_of(owner_client.get(reverse("fiscal:tse-store", args=[store.pk])))
    assert texts(detail, "tse-register-client") == ["ja", "ja"]
    # The device information the TSE reported
    with scopes_disabled():
        device = TseDevice.objects.get(store=store)
    assert text(detail, "tse-serial") == device.serial_number
    assert text(detail, "tse-algorithm") == "ecdsa-plain-SHA384"
    assert text(detail, "tse-public-key") == device.public_key
    # shown in the time zone the page is rendered in (a certificate issued near midnight UTC is the next day in Berlin)
    assert text(detail, "tse-certificate-expiry") == timezone.localtime(device.certificate_expires_at).strftime(
        "%d.%m.%Y"
    )


@pytest.mark.django_db
def test_the_owner_sets_up_a_development_tse_for_a_store_without_one(owner_client, organization, shop):
    _mine, other = shop
    response = owner_client.post(reverse("fiscal:tse-store-setup", args=[other.pk]), {"backend": "development"})
    assert response.status_code == 302
    with scopes_disabled():
        device = TseDevice.objects.get(store=other)
        assert device.state == "ready"
        assert TseClientRegistration.objects.filter(device=device).count() == 1
    # A second one for the same store is refused with a message, nothing created
    again = owner_client.post(reverse("fiscal:tse-store-setup", args=[other.pk]), {"backend": "development"})
    assert again.status_code == 400
    assert "hat bereits eine TSE" in text(soup_of(again), "form-errors")
    with scopes_disabled():
        assert TseDevice.objects.filter(store=other).count() == 1


@pytest.mark.django_db
def test_the_owner_sets_up_a_fiskaly_tse_and_its_clients_at_the_local_fiskaly(owner_client, organization, shop):
    _mine, other = shop
    FiskalyApi.forget_tokens()
    with FakeFiskaly() as fake, override_settings(KASSE_FISKALY_BASE_URL=fake.url):
        missing = owner_client.post(reverse("fiscal:tse-store-setup", args=[other.pk]), {"backend": "fiskaly"})
        assert missing.status_code == 400
        response = owner_client.post(
            reverse("fiscal:tse-store-setup", args=[other.pk]),
            {"backend": "fiskaly", "api_key": "key", "api_secret": "secret"},
        )
    FiskalyApi.forget_tokens()
    assert response.status_code == 302
    with scopes_disabled():
        device = TseDevice.objects.get(store=other)
        assert device.backend == "fiskaly"
        assert device.state == "ready"
        assert device.serial_number
        assert device.certificate_expires_at is not None
        assert TseClientRegistration.objects.filter(device=device).count() == 1
    assert any("/client/" in path for _method, path, *_rest in fake.requests)


@pytest.mark.django_db(transaction=True)
def test_outages_and_unsigned_receipts_are_listed_and_filtered(owner_client, organization, store, register):
    with scope(organization=organization):
        create_development_tse(organization=organization, actor=SYSTEM, store=store)
    second = RegisterFactory(store=store, organization=organization, number=2, name="Kasse 2")
    # Neither register is a client: every step is unsigned, an outage opens per register
    for till in (register, second):
        start_transaction(register=till, tx_id=uuid7())
    from kasse.fiscal.services import finish_transaction
    from kasse.fiscal.tse.interface import BonTyp, Receipt

    finish_transaction(register=register, tx_id=uuid7(), receipt=Receipt(BonTyp.RECEIPT, {}, {}))
    url = reverse("fiscal:tse-store", args=[store.pk])
    page = soup_of(owner_client.get(url))
    assert sorted(texts(page, "tse-outage-register")) == sorted([register.name, "Kasse 2"])
    assert texts(page, "tse-outage-end") == ["noch offen", "noch offen"]
    assert len(texts(page, "tse-unsigned-row")) == 1
    only_second = soup_of(owner_client.get(url, {"register": str(second.pk)}))
    assert texts(only_second, "tse-outage-register") == ["Kasse 2"]
    assert texts(only_second, "tse-unsigned-row") == []
    long_ago = soup_of(owner_client.get(url, {"date_from": "2020-01-01", "date_to": "2020-01-02"}))
    assert texts(long_ago, "tse-outage-row") == []
    assert texts(long_ago, "tse-unsigned-row") == []
    assert owner_client.get(url, {"date_from": "2026-12-07", "date_to": "2026-12-01"}).status_code == 400
    overview = soup_of(owner_client.get(reverse("fiscal:tse-overview")))
    assert texts(overview, "tse-store-outages") == ["2"]
    assert texts(overview, "tse-store-unsigned") == ["1"]


@pytest.mark.django_db
def test_a_store_manager_sees_their_store_and_sets_up_nothing(organization, shop):
    mine, other = shop
    manager = _client_for(organization, mine)
    page = soup_of(manager.get(reverse("fiscal:tse-overview")))
    assert texts(page, "tse-store-link") == ["Filiale Mitte"]
    assert manager.get(reverse("fiscal:tse-store", args=[mine.pk])).status_code == 200
    assert manager.get(reverse("fiscal:tse-store", args=[other.pk])).status_code == 404
    for name in ("fiscal:tse-store-setup", "fiscal:tse-store-clients"):
        assert manager.post(reverse(name, args=[mine.pk]), {"backend": "development"}).status_code == 403
    assert "tse-setup" not in manager.get(reverse("fiscal:tse-store", args=[mine.pk])).content.decode()
    assert _client_for(organization, mine, Role.CASHIER).get(reverse("fiscal:tse-overview")).status_code == 403
    with scopes_disabled():
        assert not TseDevice.objects.filter(store=other).exists()


@pytest.mark.django_db(transaction=True)
def test_the_overview_names_stores_with_outages_and_unsigned_receipts(owner_client, organization, store, register):
    other = StoreFactory(organization=organization, name="Filiale Süd", number=902)
    with scope(organization=organization):
        create_development_tse(organization=organization, actor=SYSTEM, store=store)
    assert "tse-alerts" not in owner_client.get("/").content.decode()
    tx = uuid7()
    start_transaction(register=register, tx_id=tx)  # the register is no client: unsigned, an outage
    from kasse.fiscal.services import finish_transaction
    from kasse.fiscal.tse.interface import BonTyp, Receipt

    finish_transaction(register=register, tx_id=tx, receipt=Receipt(BonTyp.RECEIPT, {}, {}))
    page = soup_of(owner_client.get("/"))
    assert texts(page, "tse-alert") == ["Filiale Mitte 1 1"]
    # A manager of another store does not see this store's alert
    manager = _client_for(organization, other)
    assert "tse-alerts" not in manager.get("/").content.decode()


@pytest.mark.django_db
def test_a_register_created_in_a_store_with_a_tse_becomes_its_client_at_once(
    organization, shop, store, django_capture_on_commit_callbacks
):
    from kasse.tenancy.services import save_register

    mine, other = shop
    with django_capture_on_commit_callbacks(execute=True):
        added = save_register(actor=SYSTEM, organization=organization, store=mine, data={"name": "Kasse 3"})
        off = save_register(
            actor=SYSTEM, organization=organization, store=mine, data={"name": "Kasse 4", "is_active": False}
        )
        elsewhere = save_register(actor=SYSTEM, organization=organization, store=other, data={"name": "Kasse Nord"})
    with scopes_disabled():
        clients = set(TseClientRegistration.objects.values_list("register_id", flat=True))
        assert added.pk in clients  # signed from its first sale, no button needed
        assert off.pk not in clients  # switched off: registered when it is switched on
        assert elsewhere.pk not in clients  # its store has no TSE
        assert AuditEntry.objects.filter(action="fiscal.tse.client_registered", data__register=str(added.pk)).exists()
    # switched on later: registered then
    with django_capture_on_commit_callbacks(execute=True):
        save_register(actor=SYSTEM, organization=organization, store=mine, register=off, data={"is_active": True})
    with scopes_disabled():
        assert TseClientRegistration.objects.filter(register=off).exists()


@pytest.mark.django_db
def test_a_tse_that_cannot_take_a_new_register_leaves_it_saved_and_not_registered(
    organization, shop, store, django_capture_on_commit_callbacks, monkeypatch
):
    from kasse.fiscal import tse_pages
    from kasse.fiscal.services import FiscalSetupError
    from kasse.tenancy.models import Register
    from kasse.tenancy.services import save_register

    def refuse(**kwargs):
        raise FiscalSetupError("fiskaly did not register Kasse 3: unreachable")

    monkeypatch.setattr(tse_pages, "register_missing_clients", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        added = save_register(actor=SYSTEM, organization=organization, store=store, data={"name": "Kasse 3"})
    with scopes_disabled():
        assert Register.objects.filter(pk=added.pk).exists()
        assert not TseClientRegistration.objects.filter(register=added).exists()  # the TSE page offers the button


@pytest.mark.django_db
def test_the_tse_export_is_written_in_the_background_and_downloaded_from_exports(
    owner_client, organization, shop, django_capture_on_commit_callbacks
):
    import tarfile
    from io import BytesIO

    from kasse.bookkeeping.models import ExportStatus, SalesExport
    from kasse.core.models import AuditEntry

    store, other = shop
    page = soup_of(owner_client.get(reverse("fiscal:tse-store", args=[store.pk])))
    assert text(page, "tse-export") == "Daten der TSE exportieren"
    assert not soup_of(owner_client.get(reverse("fiscal:tse-store", args=[other.pk]))).select(
        "[data-testid=tse-export]"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("fiscal:tse-store-export", args=[store.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("bookkeeping:export-list"))
    with scopes_disabled():
        export = SalesExport.objects.get()
        store_device = export.store_names
        entry = AuditEntry.objects.get(action="fiscal.tse.exported")
    assert (export.format, export.status) == ("tse", ExportStatus.DONE)
    assert store_device.startswith(store.name)
    assert entry.data["export_id"] == str(export.pk)
    listing = owner_client.get(reverse("bookkeeping:export-list")).content.decode()
    assert "TSE" in listing
    download = owner_client.get(reverse("bookkeeping:export-download", args=[export.pk]))
    assert download["Content-Disposition"].endswith('.tar"')
    with tarfile.open(fileobj=BytesIO(b"".join(download.streaming_content))) as tar:
        assert tar.getnames()[0].endswith("_X509.cer")
    # a store without a TSE: a translated message, nothing queued
    response = owner_client.post(reverse("fiscal:tse-store-export", args=[other.pk]), follow=True)
    assert "Diese Filiale hat keine TSE, deren Daten exportiert werden könnten." in response.content.decode()
    with scopes_disabled():
        assert SalesExport.objects.count() == 1


@pytest.mark.django_db
def test_a_cashier_cannot_export_and_a_manager_of_another_store_gets_a_404(organization, shop):
    store, other = shop
    assert (
        _client_for(organization, store, Role.CASHIER)
        .post(reverse("fiscal:tse-store-export", args=[store.pk]))
        .status_code
        == 403
    )
    assert _client_for(organization, other).post(reverse("fiscal:tse-store-export", args=[store.pk])).status_code == 404
