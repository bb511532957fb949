"""GoBD on PostgreSQL: the database refuses UPDATE and DELETE of the fiscal journal (triggers)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_scopes import scope

from kasse.core.ids import uuid7
from kasse.fiscal.models import DevTseLogMessage, TseOutage, TseTransactionRecord
from kasse.fiscal.services import start_transaction

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgres://…): the triggers are PL/pgSQL")


def _refused(action) -> None:
    with pytest.raises(IntegrityError, match="append-only|end written"), transaction.atomic():
        action()


def test_signed_records_and_log_messages_cannot_be_updated_or_deleted(signing_register):
    start_transaction(register=signing_register, tx_id=uuid7())
    with scope(organization=signing_register.organization_id):
        records = TseTransactionRecord.objects.all()
        messages = DevTseLogMessage.objects.all()
        _refused(lambda: records.update(signature="forged"))
        _refused(lambda: records.delete())
        _refused(lambda: messages.update(process_data="forged"))
        _refused(lambda: messages.delete())
        with connection.cursor() as cursor:  # not even behind the ORM's back
            _refused(lambda: cursor.execute("UPDATE fiscal_tsetransactionrecord SET signature_counter = 99"))
            _refused(lambda: cursor.execute("DELETE FROM fiscal_devtselogmessage"))
        assert records.get().signature_counter == 1
        assert messages.count() == 1


def test_an_outage_gets_its_end_once_and_nothing_else_changes(register):
    start_transaction(register=register, tx_id=uuid7())  # no TSE: an outage opens
    with scope(organization=register.organization_id):
        outages = TseOutage.objects.all()
        _refused(lambda: outages.update(reason="refused"))
        _refused(lambda: outages.update(ended_at=timezone.now(), detail="rewritten"))
        outages.update(ended_at=timezone.now())  # the one change allowed
        _refused(lambda: outages.update(ended_at=timezone.now()))
        _refused(lambda: outages.delete())
        assert outages.get().reason == "not_configured"
