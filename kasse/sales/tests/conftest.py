from __future__ import annotations

import pytest
from django.utils import translation

from kasse.testing.factories import ProductFactory


@pytest.fixture
def opening_float():
    """The sales tests' shifts open with 150.00 in the drawer."""
    return {"20": 5, "10": 5}


@pytest.fixture
def cheese(organization):
    return ProductFactory(
        organization=organization, name="Bergkäse", price="24.90", vat_class="reduced", unit="kg", is_measured=True
    )


@pytest.fixture(autouse=True)
def _request_scope(in_scope):
    """Sales tests read like a request on the register does: inside the organization's scope."""
    return in_scope


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English; the German catalog is tested at the register."""
    with translation.override("en"):
        yield
