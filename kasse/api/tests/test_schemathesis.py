"""Property-based calls of every API operation against our own OpenAPI schema.

Schemathesis generates requests from /api/v1/openapi.json and sends them to the
Django WSGI app in-process (no network). With a valid token, no answer may be
a server error, and every answer must be documented: status code, content type
and body schema.

One test per operation, as ``schema.parametrize()`` makes them, but each operation's Hypothesis test (with
schemathesis' coverage-phase cases: boundary and negative values) is built when the test runs, not when pytest
collects the module: building them all took about 5 CPU seconds in every process that collects the suite, each
xdist worker of every run, also where ``-m`` then deselects this file (docs/testing.md).
"""

from __future__ import annotations

from functools import cache

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, settings
from schemathesis.checks import load_all_checks, not_a_server_error
from schemathesis.core.result import Err
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test  # what schema.parametrize() builds with
from schemathesis.python._constants.orchestrator import make_constants_value_source
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kasse.api.tokens import create_api_token
from kasse.core.actors import Actor
from kasse.register.isolation import _closed_shift, _sale
from kasse.testing.factories import CategoryFactory, CustomerFactory, ProductFactory, StoreFactory, ean13

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

OPERATIONS = {}
for _result in schema.get_all_operations():
    if isinstance(_result, Err):
        raise _result.err()  # a malformed operation in our schema fails the collection, with schemathesis' message
    OPERATIONS[_result.ok().label] = _result.ok()

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def keep_test_connection():
    """Like Django's test client: a request must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(organization) -> str:
    """A token of an organization that has a little of everything."""
    StoreFactory(organization=organization)
    category = CategoryFactory(organization=organization, name="Backwaren")
    ProductFactory(organization=organization, name="Brötchen", category=category, variant__barcode=ean13(7))
    CustomerFactory(organization=organization)
    with scopes_disabled():
        _closed_shift(organization)  # a register with a closed shift (Z report)
        _sale(organization)  # and a receipt on another, with its lines, VAT rows and payment
    _token, raw = create_api_token(actor=Actor.system("test"), organization=organization, name="Schemathesis")
    return raw


@cache
def _feedback() -> FeedbackSources:
    """Shared by all operations of the schema, as ``schema.parametrize()`` shares it."""
    return FeedbackSources(constants_value_source=make_constants_value_source(schema))


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def _conforms(case, bearer):
    case.call_and_validate(headers={"Authorization": f"Bearer {bearer}"}, checks=CHECKS)


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_api_conforms_to_its_schema(operation, bearer):
    load_all_checks()
    conforms = build_operation_test(
        config=schema.config,
        operation=OPERATIONS[operation],
        test_func=_conforms,
        given_kwargs={},
        feedback=_feedback(),
    )
    conforms(bearer=bearer)
