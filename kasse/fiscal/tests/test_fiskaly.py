"""fiskaly SIGN DE v2 against a local server that answers as fiskaly documents (kasse/testing/fiskaly_server.py)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import override_settings
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.fiscal import crypto
from kasse.fiscal.fiskaly_setup import create_fiskaly_tse, register_fiskaly_client, set_up_fiskaly_tse
from kasse.fiscal.models import TseDevice, TseOutage, TseTransactionRecord
from kasse.fiscal.process_data import BonTyp, PaymentKey, PaymentKind, VatSlot
from kasse.fiscal.services import Signed, Unsigned, backend_for, finish_transaction, start_transaction
from kasse.fiscal.tse.fiskaly_api import FiskalyApi, Timeouts
from kasse.fiscal.tse.interface import Receipt, TseRefused, TseUnavailable
from kasse.fiscal.tse.log_message import TransactionLogMessage, verify_plain
from kasse.testing.fiskaly_server import FakeFiskaly

pytestmark = pytest.mark.django_db
D = Decimal
SALE = Receipt(
    BonTyp.RECEIPT,
    {VatSlot.NORMAL: D("11.90"), VatSlot.REDUCED_1: D("2.14")},
    {PaymentKey(PaymentKind.CASH): D("4.04"), PaymentKey(PaymentKind.NON_CASH): D("10.00")},
)
SALE_DATA = "Beleg^11.90_2.14_0.00_0.00_0.00^4.04:Bar_10.00:Unbar"


@pytest.fixture
def device(fiskaly, organization, store):
    new = create_fiskaly_tse(
        organization=organization, actor=Actor.system(), store=store, api_key="key", api_secret="secret"
    )
    return set_up_fiskaly_tse(device=new, actor=Actor.system())


@pytest.fixture
def till(device, register):
    register_fiskaly_client(register=register, actor=Actor.system())
    return register


def _calls(fake: FakeFiskaly) -> list[str]:
    return [f"{m} {p.split('/api/v2')[1].replace(str(uuid.UUID(int=0)), '')}" for m, p, _s in fake.requests]


def test_a_tss_is_created_personalised_initialised_and_its_secrets_are_stored_encrypted(fiskaly, device):
    tss = f"/tss/{device.fiskaly_tss_id}"
    steps = [f"{m} {p.removeprefix('/api/v2')}" for m, p, status in fiskaly.requests if status == 200]
    assert steps == [
        "POST /auth",
        f"PUT {tss}",
        f"PATCH {tss}",
        f"PATCH {tss}/admin",
        f"POST {tss}/admin/auth",
        f"PATCH {tss}",
        f"POST {tss}/admin/logout",
        f"GET {tss}",
    ]
    fake_tss = fiskaly.tss[str(device.fiskaly_tss_id)]
    assert fake_tss.state == "INITIALIZED"
    assert device.state == "ready"
    assert device.serial_number == fiskaly._tss_json(fake_tss)["serial_number"]
    assert device.signature_algorithm == "ecdsa-plain-SHA384"
    assert device.time_format == "unixTime"
    assert device.certificate_expires_at is not None
    with scope(organization=device.organization_id):
        stored = TseDevice.objects.get(pk=device.pk)
    assert fake_tss.puk not in stored.fiskaly_admin_puk
    assert crypto.decrypt(stored.fiskaly_admin_puk) == fake_tss.puk
    assert crypto.decrypt(stored.fiskaly_admin_pin) == fake_tss.pin
    assert "secret" not in stored.fiskaly_api_secret


def test_an_interrupted_set_up_is_finished_by_running_it_again(fiskaly, organization, store):
    new = create_fiskaly_tse(
        organization=organization, actor=Actor.system(), store=store, api_key="key", api_secret="secret"
    )
    fiskaly.fail("PATCH", "/admin", "503", times=3)
    with pytest.raises(TseUnavailable):
        set_up_fiskaly_tse(device=new, actor=Actor.system())
    with scope(organization=organization):
        assert TseDevice.objects.get(pk=new.pk).fiskaly_admin_puk  # the PUK was kept at once
    ready = set_up_fiskaly_tse(device=new, actor=Actor.system())  # PUT answers 409: read and go on
    assert ready.state == "ready"
    assert fiskaly.tss[str(new.fiskaly_tss_id)].state == "INITIALIZED"


def test_each_register_is_a_client_with_its_serial_number(fiskaly, till, device):
    client = fiskaly.tss[str(device.fiskaly_tss_id)].clients[str(till.pk)]
    assert client["serial_number"] == till.serial_number
    assert client["state"] == "REGISTERED"
    assert not fiskaly.tss[str(device.fiskaly_tss_id)].admin  # logged out again


def test_a_sale_is_signed_with_standard_v1_and_the_tss_writes_the_same_process_data_as_kasse(fiskaly, till, device):
    tx = uuid7()
    assert isinstance(start_transaction(register=till, tx_id=tx), Signed)
    result = finish_transaction(register=till, tx_id=tx, receipt=SALE)
    assert isinstance(result, Signed)
    record = result.record
    assert record.process_type == "Kassenbeleg-V1"
    assert record.process_data == SALE_DATA == SALE.process_data().process_data
    sent = fiskaly.tss[str(device.fiskaly_tss_id)].txs[str(tx)][1]["schema"]["standard_v1"]["receipt"]
    assert sent == {
        "receipt_type": "RECEIPT",
        "amounts_per_vat_rate": [
            {"vat_rate": "NORMAL", "amount": "11.90"},
            {"vat_rate": "REDUCED_1", "amount": "2.14"},
        ],
        "amounts_per_payment_type": [
            {"payment_type": "CASH", "amount": "4.04", "currency_code": "EUR"},
            {"payment_type": "NON_CASH", "amount": "10.00", "currency_code": "EUR"},
        ],
    }
    assert (record.transaction_number, record.signature_counter, record.revision) == (1, 2, 2)
    assert record.qr_code_data.split(";")[3] == SALE_DATA
    # The signature is real: it verifies against the TSS's public key over the TR-03151 message.
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.BrainpoolP384R1(), base64.b64decode(device.public_key))
    message = TransactionLogMessage(
        "finish",
        str(till.pk),
        SALE_DATA.encode(),
        "Kassenbeleg-V1",
        1,
        bytes.fromhex(device.serial_number),
        "ecdsa-plain-SHA384",
        2,
        datetime.fromtimestamp(record.log_time.timestamp(), tz=UTC),
    )
    assert verify_plain(public, "ecdsa-plain-SHA384", message.data_to_be_signed(), base64.b64decode(record.signature))


def test_an_expired_token_is_renewed_once_and_the_request_repeated(fiskaly, till):
    fiskaly.expire_tokens()
    tx = uuid7()
    assert isinstance(start_transaction(register=till, tx_id=tx), Signed)
    tx_calls = [(m, s) for m, p, s in fiskaly.requests if f"/tx/{tx}" in p or p.endswith("/auth")][-3:]
    assert tx_calls == [("PUT", 401), ("POST", 200), ("PUT", 200)]


def test_a_token_about_to_expire_is_refreshed_with_the_refresh_token(fiskaly, till):
    fiskaly.token_seconds = 30  # inside the refresh margin: the next request refreshes first
    fiskaly.expire_tokens()
    start_transaction(register=till, tx_id=uuid7())
    start_transaction(register=till, tx_id=uuid7())
    assert fiskaly.logins[-1] == "refresh_token"


def test_wrong_credentials_are_refused_not_an_outage_of_the_network(fiskaly, organization):
    api = FiskalyApi(fiskaly.url, "key", "wrong", Timeouts(tx=1, auth=1))
    with pytest.raises(TseRefused) as refused:
        api.request("GET", f"/tss/{uuid.uuid4()}")
    assert refused.value.status == 401
    assert refused.value.code == "E_UNAUTHORIZED"


def test_a_server_error_is_retried_and_signed(fiskaly, till, device):
    fiskaly.fail("PUT", "/tx/", "500")
    assert isinstance(start_transaction(register=till, tx_id=uuid7()), Signed)
    assert [s for m, p, s in fiskaly.requests if "/tx/" in p] == [500, 200]


def test_server_errors_that_persist_are_an_outage_the_register_sells_on_and_the_next_signature_ends_it(fiskaly, till):
    fiskaly.fail("PUT", "/tx/", "503", times=3)
    tx = uuid7()
    result = start_transaction(register=till, tx_id=tx)
    assert isinstance(result, Unsigned)
    assert result.reason == "unreachable"
    assert "HTTP 503 after 3 attempts" in result.detail
    assert isinstance(finish_transaction(register=till, tx_id=tx, receipt=SALE), Unsigned)  # never signed late
    with scope(organization=till.organization_id):
        assert TseOutage.objects.get().ended_at is None
    assert isinstance(start_transaction(register=till, tx_id=uuid7()), Signed)
    with scope(organization=till.organization_id):
        assert TseOutage.objects.get().ended_at is not None


def test_an_answer_lost_after_fiskaly_stored_the_revision_is_read_back_not_signed_twice(fiskaly, till, device):
    tx = uuid7()
    start_transaction(register=till, tx_id=tx)
    fiskaly.delay = 1.2
    fiskaly.fail("PUT", f"/tx/{tx}", "lost")  # fiskaly stores the finish, its answer comes too late
    first = finish_transaction(register=till, tx_id=tx, receipt=SALE)
    assert isinstance(first, Unsigned)  # the register did not wait longer than the timeout
    again = finish_transaction(register=till, tx_id=tx, receipt=SALE)  # the same revision once more
    assert isinstance(again, Signed)
    stored = fiskaly.tss[str(device.fiskaly_tss_id)].txs[str(tx)]
    assert len(stored) == 2  # start and one finish: nothing signed twice, nothing with a later time
    assert again.record.signature == stored[1]["signature"]["value"]
    calls = [(m, s) for m, p, s in fiskaly.requests if f"/tx/{tx}" in p]
    assert ("PUT", 409) in calls
    assert ("GET", 200) in calls
    with scope(organization=till.organization_id):
        assert TseOutage.objects.get().ended_at is not None


def test_a_tss_that_does_not_answer_in_time_is_an_outage_within_the_transaction_timeout(fiskaly, till):
    import time

    fiskaly.fail("PUT", "/tx/", "timeout", times=5)
    began = time.monotonic()
    result = start_transaction(register=till, tx_id=uuid7())
    assert isinstance(result, Unsigned)
    assert time.monotonic() - began < 1.5  # KASSE_FISKALY_TX_TIMEOUT = 1 s, retries included


def test_a_request_fiskaly_refuses_is_recorded_with_its_code(fiskaly, device, store):
    from kasse.fiscal.services import register_tse_client
    from kasse.testing.factories import RegisterFactory

    stranger = RegisterFactory(store=store, organization=store.organization, number=7)
    register_tse_client(register=stranger, actor=Actor.system())  # kasse knows it, fiskaly does not
    result = start_transaction(register=stranger, tx_id=uuid7())
    assert isinstance(result, Unsigned)
    assert result.reason == "refused"
    assert "E_CLIENT_NOT_REGISTERED" in result.detail
    with scope(organization=store.organization_id):
        assert TseTransactionRecord.objects.get(register=stranger).outcome == "failed"


def test_device_information_and_the_tss_export(fiskaly, device):
    backend = backend_for(device)
    info = backend.info()
    assert info.certified is True
    assert info.serial_number == device.serial_number
    assert info.certificate_expires_at is not None
    assert backend.export() == b"fake-tar:" + str(device.fiskaly_tss_id).encode()


def test_an_unexpected_fault_never_reaches_the_register_it_is_recorded_as_an_outage(fiskaly, till):
    from cryptography.fernet import Fernet

    with override_settings(KASSE_FISCAL_KEYS=[Fernet.generate_key().decode()]):  # the secret cannot be read
        result = start_transaction(register=till, tx_id=uuid7())
    assert isinstance(result, Unsigned)
    assert "ImproperlyConfigured" in result.detail
    with scope(organization=till.organization_id):
        assert TseOutage.objects.get().ended_at is None
