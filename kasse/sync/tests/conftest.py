from __future__ import annotations

import pytest
from django.utils import translation

from kasse.sync.engine.local import NODE_BLOCK_SIZE
from kasse.sync.models import StoreNode


@pytest.fixture
def node(organization, store):
    return StoreNode.objects.with_scopes_disabled().create(
        organization=organization, store=store, name="Laden-PC", token_digest="x" * 64,
        customer_number_base=NODE_BLOCK_SIZE)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield
