"""The development TSE signs for real, counts without gaps, and is never taken for a certified TSE."""

from __future__ import annotations

import base64
import io
import tarfile
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.fiscal.models import DevTseLogMessage, Outcome, TseOutage, TseTransactionRecord
from kasse.fiscal.process_data import PaymentKey, PaymentKind, VatSlot
from kasse.fiscal.services import (
    Signed,
    Unsigned,
    backend_for,
    cancel_transaction,
    create_development_tse,
    finish_transaction,
    start_transaction,
    update_transaction,
)
from kasse.fiscal.tse.interface import Receipt, TseBackend, TseClient, TseRefused
from kasse.fiscal.tse.log_message import signed_data_and_signature, verify_plain
from kasse.testing.factories import RegisterFactory

pytestmark = pytest.mark.django_db
SALE = Receipt(
    "Beleg",
    {VatSlot.NORMAL: Decimal("4.05"), VatSlot.REDUCED_1: Decimal("3.00")},  # type: ignore[arg-type]
    {PaymentKey(PaymentKind.CASH): Decimal("7.05")},
)


def _public_key(device) -> ec.EllipticCurvePublicKey:
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.BrainpoolP384R1(), base64.b64decode(device.public_key))


def test_a_sale_is_signed_with_a_signature_that_verifies_against_the_devices_public_key(signing_register, dev_tse):
    tx = uuid7()
    start = start_transaction(register=signing_register, tx_id=tx)
    finish = finish_transaction(register=signing_register, tx_id=tx, receipt=SALE)
    assert isinstance(start, Signed)
    assert isinstance(finish, Signed)
    record = finish.record
    assert (record.process_type, record.process_data) == ("Kassenbeleg-V1", "Beleg^4.05_3.00_0.00_0.00_0.00^7.05:Bar")
    assert (start.record.transaction_number, record.transaction_number) == (1, 1)
    assert (start.record.signature_counter, record.signature_counter) == (1, 2)
    with scope(organization=dev_tse.organization_id):
        messages = list(DevTseLogMessage.objects.order_by("signature_counter"))
    for message in messages:
        data, signature = signed_data_and_signature(bytes(message.message))
        assert base64.b64encode(signature).decode() == message.signature
        assert verify_plain(_public_key(dev_tse), "ecdsa-plain-SHA384", data, signature)
        assert not verify_plain(_public_key(dev_tse), "ecdsa-plain-SHA384", data + b"x", signature)
    # The signed data holds processType and processData as the TR places them.
    data, _sig = signed_data_and_signature(bytes(messages[1].message))
    assert b"FinishTransaction" in data
    assert b"Beleg^4.05_3.00_0.00_0.00_0.00^7.05:Bar" in data


def test_the_qr_code_has_the_twelve_fields_of_the_specification(signing_register, dev_tse):
    tx = uuid7()
    start_transaction(register=signing_register, tx_id=tx)
    record = finish_transaction(register=signing_register, tx_id=tx, receipt=SALE).record
    fields = record.qr_code_data.split(";")
    assert len(fields) == 12
    assert fields[:6] == [
        "V0",
        signing_register.serial_number,
        "Kassenbeleg-V1",
        "Beleg^4.05_3.00_0.00_0.00_0.00^7.05:Bar",
        "1",
        "2",
    ]
    assert fields[6].endswith(".000Z")
    assert fields[7].endswith(".000Z")
    assert fields[8:10] == ["ecdsa-plain-SHA384", "unixTime"]
    assert fields[10] == record.signature
    assert fields[11] == dev_tse.public_key
    assert record.log_time.timestamp() == int(record.log_time.timestamp())  # unixTime: whole seconds


def test_counters_rise_without_gaps_across_registers_updates_and_aborts(signing_register, dev_tse, store):
    other = RegisterFactory(store=store, organization=store.organization, number=2)
    from kasse.fiscal.services import register_tse_client

    register_tse_client(register=other, actor=Actor.system())
    a, b = uuid7(), uuid7()
    start_transaction(register=signing_register, tx_id=a)
    start_transaction(register=other, tx_id=b)
    update_transaction(register=signing_register, tx_id=a, process_type="Kassenbeleg-V1", process_data="")
    cancel_transaction(register=other, tx_id=b)
    finish_transaction(register=signing_register, tx_id=a, receipt=SALE)
    with scope(organization=dev_tse.organization_id):
        rows = list(TseTransactionRecord.objects.order_by("signature_counter"))
    assert [r.signature_counter for r in rows] == [1, 2, 3, 4, 5]
    assert [(r.operation, r.transaction_number, r.revision) for r in rows] == [
        ("start", 1, 1),
        ("start", 2, 1),
        ("update", 1, 2),
        ("cancel", 2, 2),
        ("finish", 1, 3),
    ]
    assert rows[3].process_data == "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^"


def test_a_step_repeated_after_a_lost_answer_returns_the_stored_signature_and_counts_nothing(signing_register, dev_tse):
    backend = backend_for(dev_tse)
    client = TseClient(signing_register.serial_number, signing_register.serial_number)
    tx = uuid.uuid4()
    first = backend.start(client, tx)
    again = backend.start(client, tx)
    assert (again.signature, again.signature_counter) == (first.signature, first.signature_counter)
    done = backend.finish(client, tx, 2, SALE)
    assert backend.finish(client, tx, 2, SALE).signature == done.signature
    with pytest.raises(TseRefused):
        backend.update(client, tx, 3, "Kassenbeleg-V1", "")  # finished
    with pytest.raises(TseRefused):
        backend.finish(client, uuid.uuid4(), 2, SALE)  # never started


def test_its_device_information_says_not_certified_and_has_a_certificate_expiry(dev_tse):
    backend = backend_for(dev_tse)
    assert isinstance(backend, TseBackend)
    info = backend.info()
    assert info.certified is False
    assert "NOT CERTIFIED" in info.description
    assert info.signature_algorithm == "ecdsa-plain-SHA384"
    assert info.time_format == "unixTime"
    assert len(info.serial_number) == 64
    assert info.certificate_expires_at is not None
    assert info.certificate_expires_at.year >= dev_tse.created_at.year + 4


def test_the_export_is_a_tar_of_the_signed_log_messages_and_the_certificate(signing_register, dev_tse):
    tx = uuid7()
    start_transaction(register=signing_register, tx_id=tx)
    finish_transaction(register=signing_register, tx_id=tx, receipt=SALE)
    with tarfile.open(fileobj=io.BytesIO(backend_for(dev_tse).export())) as tar:
        names = tar.getnames()
        assert names[0] == f"{dev_tse.serial_number.upper()}_X509.cer"
        assert names[1].startswith("Unixt_")
        assert "_Sig-1_Log-Tra_No-1_Start_Client-" in names[1]
        assert "_Sig-2_Log-Tra_No-1_Finish_Client-" in names[2]
        message = tar.extractfile(names[2]).read()  # type: ignore[union-attr]
    data, signature = signed_data_and_signature(message)
    assert verify_plain(_public_key(dev_tse), "ecdsa-plain-SHA384", data, signature)


def test_production_refuses_the_development_tse_at_start_and_at_use(dev_tse, organization):
    with override_settings(KASSE_ENV="production"):
        errors = [e for e in run_checks() if e.id == "kasse.fiscal.E001"]
        assert errors
        assert dev_tse.name in errors[0].msg
        with pytest.raises(ImproperlyConfigured):
            backend_for(dev_tse)
        with pytest.raises(ImproperlyConfigured):
            create_development_tse(organization=organization, actor=Actor.system())
    assert not [e for e in run_checks() if e.id == "kasse.fiscal.E001"]


def test_a_register_without_a_tse_sells_on_unsigned_and_an_outage_is_recorded(register):
    tx = uuid7()
    result = start_transaction(register=register, tx_id=tx)
    assert isinstance(result, Unsigned)
    assert result.reason == "not_configured"
    finish = finish_transaction(register=register, tx_id=tx, receipt=SALE)
    assert isinstance(finish, Unsigned)
    with scope(organization=register.organization_id):
        assert TseTransactionRecord.objects.filter(outcome=Outcome.FAILED).count() == 2
        outage = TseOutage.objects.get()
        assert outage.ended_at is None
        assert outage.reason == "not_configured"


def test_the_end_of_a_transaction_whose_start_was_not_signed_is_never_signed_later(register, dev_tse):
    tx = uuid7()
    assert isinstance(start_transaction(register=register, tx_id=tx), Unsigned)  # not registered yet
    from kasse.fiscal.services import register_tse_client

    register_tse_client(register=register, actor=Actor.system())
    finish = finish_transaction(register=register, tx_id=tx, receipt=SALE)
    assert isinstance(finish, Unsigned)
    assert "start was not signed" in finish.detail
    # The next transaction is signed and ends the outage.
    nxt = uuid7()
    assert isinstance(start_transaction(register=register, tx_id=nxt), Signed)
    with scope(organization=register.organization_id):
        outage = TseOutage.objects.get()
    assert outage.ended_at is not None
    assert outage.ended_at >= outage.started_at


def test_the_receipt_block_names_the_tse_data_or_the_outage_in_german_and_english(signing_register, dev_tse, register):
    from django.utils import translation

    from kasse.fiscal.receipt_block import receipt_facts, tse_rows

    tx = uuid7()
    start_transaction(register=signing_register, tx_id=tx)
    record = finish_transaction(register=signing_register, tx_id=tx, receipt=SALE).record
    with translation.override("de"):
        rows = dict(tse_rows(record, dev_tse))
        assert rows["TSE-Transaktion"] == "1"
        assert rows["TSE-Signaturzähler"] == "2"
        assert rows["Seriennummer der Kasse"] == signing_register.serial_number
        assert "Entwicklungs-TSE, nicht zertifiziert: kein gültiger Beleg" in rows
        assert tse_rows(None) == [("Sicherheitseinrichtung ausgefallen", "")]
        assert rows["TSE-Prozesstyp"] == "Kassenbeleg-V1"
        assert receipt_facts(None) == {"rows": (("Sicherheitseinrichtung ausgefallen", ""),), "qr_payload": ""}
        facts = receipt_facts(record, dev_tse)
        assert facts["qr_payload"] == record.qr_code_data
        assert facts["rows"] == tuple(tse_rows(record, dev_tse))
    with translation.override("en"):
        assert tse_rows(None) == [("Security device failed", "")]
        assert dict(tse_rows(record, dev_tse))["TSE serial number"] == dev_tse.serial_number


def test_a_register_never_signs_through_another_organizations_tse(dev_tse, organization):
    from django_scopes.exceptions import ScopeError

    from kasse.fiscal.services import FiscalSetupError, register_tse_client
    from kasse.testing.factories import OrganizationFactory, StoreFactory

    other = OrganizationFactory(name="B")
    foreign = RegisterFactory(store=StoreFactory(organization=other), organization=other, number=1)
    with pytest.raises(FiscalSetupError):
        register_tse_client(register=foreign, actor=Actor.system())
    assert isinstance(start_transaction(register=foreign, tx_id=uuid7()), Unsigned)
    with pytest.raises(ScopeError):
        TseTransactionRecord.objects.count()
    with scope(organization=organization):
        assert not TseTransactionRecord.objects.exists()
    with scope(organization=other):
        assert TseTransactionRecord.objects.get().device is None


def test_an_organization_wide_tse_signs_for_stores_without_their_own(organization, store):
    from kasse.fiscal.services import device_for_store
    from kasse.testing.factories import StoreFactory

    shared = create_development_tse(organization=organization, actor=Actor.system(), name="Alle Filialen")
    own = create_development_tse(organization=organization, actor=Actor.system(), store=store)
    with scope(organization=organization):
        assert device_for_store(store) == own
        assert device_for_store(StoreFactory(organization=organization, number=2)) == shared


@pytest.mark.django_db(transaction=True)
def test_the_tse_is_never_called_inside_the_callers_database_transaction(organization, store, register):
    from django.db import transaction

    from kasse.fiscal.services import register_tse_client

    create_development_tse(organization=organization, actor=Actor.system(), store=store)
    register_tse_client(register=register, actor=Actor.system())
    with pytest.raises(RuntimeError), transaction.atomic():
        start_transaction(register=register, tx_id=uuid7())
    assert isinstance(start_transaction(register=register, tx_id=uuid7()), Signed)


def test_what_goes_with_the_answer_is_stored_after_it_in_its_transaction_and_never_costs_the_record(
    signing_register, dev_tse
):
    seen: list[tuple[str, bool]] = []

    def then(tx: uuid.UUID) -> Callable[[], None]:
        def store() -> None:
            stored = TseTransactionRecord.objects.filter(tx_id=tx, operation="finish").exists()
            seen.append((str(tx), stored))

        return store

    tx = uuid7()
    start = start_transaction(register=signing_register, tx_id=tx)
    assert isinstance(start, Signed)
    assert start.registration is not None
    assert isinstance(finish_transaction(register=signing_register, tx_id=tx, receipt=SALE, then=then(tx)), Signed)
    never_started = uuid7()
    result = finish_transaction(register=signing_register, tx_id=never_started, receipt=SALE, then=then(never_started))
    assert isinstance(result, Unsigned)  # an outage's record is stored with it the same way
    assert seen == [(str(tx), True), (str(never_started), True)]

    def broken() -> None:
        raise RuntimeError("the printer's table is gone")

    other = uuid7()
    start_transaction(register=signing_register, tx_id=other)
    assert isinstance(finish_transaction(register=signing_register, tx_id=other, receipt=SALE, then=broken), Signed)
    with scope(organization=signing_register.organization_id):
        assert TseTransactionRecord.objects.filter(tx_id=other, operation="finish", outcome=Outcome.SIGNED).exists()


def test_a_finish_after_this_process_s_start_goes_to_its_client_as_the_next_revision(signing_register, dev_tse):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tx = uuid7()
    start = start_transaction(register=signing_register, tx_id=tx)
    assert isinstance(start, Signed)
    with CaptureQueriesContext(connection) as queries:
        finish = finish_transaction(register=signing_register, tx_id=tx, receipt=SALE, after=start)
    assert isinstance(finish, Signed)
    assert (finish.record.revision, finish.record.transaction_number) == (2, start.record.transaction_number)
    assert not [q for q in queries.captured_queries if "fiscal_tseclientregistration" in q["sql"]]
    # a start of another transaction is no "after": read as before
    other = uuid7()
    start_transaction(register=signing_register, tx_id=other)
    assert isinstance(finish_transaction(register=signing_register, tx_id=other, receipt=SALE, after=start), Signed)
    with scope(organization=signing_register.organization_id):
        assert TseTransactionRecord.objects.get(tx_id=other, operation="finish").revision == 2
