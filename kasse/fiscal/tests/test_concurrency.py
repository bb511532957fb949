"""Two registers signing at the same moment on PostgreSQL: counters unique, rising, without gaps."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.fiscal.models import DevTseLogMessage, TseTransactionRecord
from kasse.fiscal.services import Signed, finish_transaction, register_tse_client, start_transaction
from kasse.fiscal.tests.test_development_tse import SALE
from kasse.testing.factories import RegisterFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 15


def test_two_registers_signing_at_once_get_unique_gapless_counters(store, dev_tse):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgres://…): SQLite serializes every write")
    registers = [RegisterFactory(store=store, organization=store.organization, number=n) for n in (1, 2)]
    for register in registers:
        register_tse_client(register=register, actor=Actor.system())
    barrier = threading.Barrier(2)
    results: list[object] = []
    errors: list[BaseException] = []

    def sell(register) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(ROUNDS):
                tx = uuid7()
                results.append(start_transaction(register=register, tx_id=tx))
                results.append(finish_transaction(register=register, tx_id=tx, receipt=SALE))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sell, args=(r,)) for r in registers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert len(results) == 4 * ROUNDS
    assert all(isinstance(r, Signed) for r in results)
    with scope(organization=store.organization_id):
        counters = sorted(TseTransactionRecord.objects.values_list("signature_counter", flat=True))
        numbers = sorted(set(TseTransactionRecord.objects.values_list("transaction_number", flat=True)))
        assert sorted(DevTseLogMessage.objects.values_list("signature_counter", flat=True)) == counters
    assert counters == list(range(1, 4 * ROUNDS + 1))
    assert numbers == list(range(1, 2 * ROUNDS + 1))
