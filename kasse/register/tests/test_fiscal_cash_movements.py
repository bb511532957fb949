"""Cash movements go through the TSE: the opening float, cash in and cash out are each signed as
AVTransfer after their commit, an outage records them unsigned, and a shop without a TSE signs
nothing (docs/fiscal.md, Integration item 7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.fiscal.models import Outcome, TseOutage, TseTransactionRecord
from kasse.fiscal.services import create_development_tse, register_tse_client
from kasse.fiscal.tse.development import DevelopmentTse
from kasse.fiscal.tse.interface import TseUnavailable
from kasse.sales.services.shifts import open_shift, record_cash_movement

pytestmark = pytest.mark.django_db(transaction=True)  # signed on commit
D = Decimal


def _records(tx_id):
    with scopes_disabled():
        return [
            (r.operation, r.outcome, r.process_type, r.process_data)
            for r in TseTransactionRecord.objects.filter(tx_id=tx_id).order_by("revision", "created_at")
        ]


def test_the_float_and_cash_in_and_out_are_signed_as_transfers(organization, store, register, manager, monkeypatch):
    create_development_tse(organization=organization, actor=Actor.system(), store=store)
    register_tse_client(register=register, actor=Actor.system())

    shift = open_shift(actor=Actor.system(), register=register, employee=manager, count={"20": 5, "0.50": 3})
    pay_in = record_cash_movement(
        actor=Actor.system(), shift=shift, employee=manager, kind="pay_in", amount=D("50"), reason="Wechselgeld"
    )
    pay_out = record_cash_movement(
        actor=Actor.system(), shift=shift, employee=manager, kind="pay_out", amount=D("12.34"), reason="Porto"
    )

    transfer = "Kassenbeleg-V1"
    assert _records(shift.pk) == [
        ("start", Outcome.SIGNED, "", ""),
        ("finish", Outcome.SIGNED, transfer, "AVTransfer^0.00_0.00_0.00_0.00_0.00^101.50:Bar"),
    ]
    assert _records(pay_in.pk)[-1] == (
        "finish",
        Outcome.SIGNED,
        transfer,
        "AVTransfer^0.00_0.00_0.00_0.00_0.00^50.00:Bar",
    )
    assert _records(pay_out.pk)[-1] == (
        "finish",
        Outcome.SIGNED,
        transfer,
        "AVTransfer^0.00_0.00_0.00_0.00_0.00^-12.34:Bar",
    )

    # The TSE goes away: the cash still moves, recorded unsigned, an outage opened
    def gone(*args, **kwargs):
        raise TseUnavailable("TSE unreachable")

    monkeypatch.setattr(DevelopmentTse, "start", gone)
    unsigned = record_cash_movement(
        actor=Actor.system(), shift=shift, employee=manager, kind="pay_out", amount=D("5"), reason="Blumen"
    )
    assert [(op, outcome) for op, outcome, _t, _d in _records(unsigned.pk)] == [
        ("start", Outcome.FAILED),
        ("finish", Outcome.FAILED),
    ]
    with scopes_disabled():
        assert TseOutage.objects.get().ended_at is None


def test_without_a_tse_cash_movements_sign_nothing(organization, store, register, manager):
    shift = open_shift(actor=Actor.system(), register=register, employee=manager, count={"20": 5})
    record_cash_movement(actor=Actor.system(), shift=shift, employee=manager, kind="pay_in", amount=D("5"), reason="x")
    with scopes_disabled():
        assert not TseTransactionRecord.objects.exists()
