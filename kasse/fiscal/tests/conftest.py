"""Fixtures of the fiscal tests: a store with a development TSE and a registered register."""

from __future__ import annotations

import pytest
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.fiscal.services import create_development_tse, register_tse_client


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
