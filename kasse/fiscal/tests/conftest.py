"""Fixtures of the fiscal tests: a store with a development TSE and a registered register."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.fiscal.services import create_development_tse, register_tse_client
from kasse.fiscal.tse.fiskaly_api import FiskalyApi
from kasse.testing.fiskaly_server import FakeFiskaly


@pytest.fixture
def dev_tse(organization, store):
    return create_development_tse(organization=organization, actor=Actor.system(), store=store)


@pytest.fixture
def signing_register(register, dev_tse):
    register_tse_client(register=register, actor=Actor.system())
    return register


@pytest.fixture
def org_scope(organization):
    with scope(organization=organization):
        yield


@pytest.fixture
def fiskaly():
    """The local fiskaly (``kasse/testing/fiskaly_server.py``) answering after 1.5 s, and the settings that
    point the client at it with timeouts short enough for tests."""
    FiskalyApi.forget_tokens()
    with FakeFiskaly() as fake:
        fake.delay = 1.5
        with override_settings(
            KASSE_FISKALY_BASE_URL=fake.url,
            KASSE_FISKALY_TX_TIMEOUT=1.0,
            KASSE_FISKALY_AUTH_TIMEOUT=1.0,
            KASSE_FISKALY_SETUP_TIMEOUT=5.0,
        ):
            yield fake
    FiskalyApi.forget_tokens()
