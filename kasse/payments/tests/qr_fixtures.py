"""Fixtures of the QR payment tests: the local Bluecode server, the store's account pointing at it, and the
QR worker driven step by step in the test's thread (so it sees the test's transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from kasse.core.actors import Actor
from kasse.payments.models import CardPayment
from kasse.payments.qr.bluecode import BluecodeProvider
from kasse.payments.qr.bluecode_server import VirtualBluecode
from kasse.payments.qr.models import QrAccount
from kasse.payments.qr.node_credentials import secret_for
from kasse.payments.qr.runner import QrPaymentRunner
from kasse.payments.qr.services import save_qr_account, start_qr_payment


@pytest.fixture
def bluecode() -> Iterator[VirtualBluecode]:
    with VirtualBluecode() as server:
        server.scenario.processing_seconds = 0.2
        server.scenario.check_in_seconds = 0.05
        server.scenario.ttl_seconds = 0.6
        server.scenario.hang_seconds = 1.0
        yield server


@pytest.fixture
def qr_account(organization: Any, bluecode: VirtualBluecode) -> QrAccount:
    return save_qr_account(
        actor=Actor.system(),
        organization=organization,
        data={"provider": "bluecode", "api_url": bluecode.url, "username": "demo", "branch_ext_id": "demo-branch"},
        secret="demo",
    )


def quick_provider(account: QrAccount) -> BluecodeProvider:
    return BluecodeProvider(account.api_url, account.username, secret_for(account), account.branch_ext_id, timeout=0.5)


@pytest.fixture
def qr_runner(qr_account: QrAccount) -> QrPaymentRunner:
    return QrPaymentRunner(
        provider=quick_provider,
        inline=True,
        retry_seconds=0.0,
        settle_seconds=0.0,
        recover_seconds=0.0,
        sleep=lambda seconds: __import__("time").sleep(min(seconds, 0.05)),
    )


def start_qr(register: Any, code: str, amount: str = "2.80", cart_id: Any = None) -> CardPayment:
    return start_qr_payment(actor=Actor.system(), register=register, amount=Decimal(amount), code=code, cart_id=cart_id)
