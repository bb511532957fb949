"""What the cloud tells a node about a record it could not store names nothing of other organizations."""

from __future__ import annotations

import uuid

import pytest
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.ids import uuid7
from kasse.core.models import AuditEntry
from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, complete_sale
from kasse.sync.cloud.ingest import Ingestor
from kasse.testing.factories import OrganizationFactory
from kasse.testing.sync import node_records, of_kind

pytestmark = pytest.mark.django_db


def test_an_id_taken_in_another_organization_is_not_revealed(node, register, cashier, shift, rolls):
    with scopes_disabled():
        variant = rolls.variants.get()
    records = node_records(
        lambda: complete_sale(
            actor=Actor.for_employee(cashier),
            register=register,
            employee=cashier,
            cart=SaleInput(id=uuid7(), lines=[LineInput(variant.pk, 1)], payments=[PaymentInput("cash", 5)]),
        )
    )
    audit = of_kind(records, "audit")[0]
    taken = audit["rows"][0][1]["id"]
    # Given the audit entry's id is already used by a row of another organization
    other = OrganizationFactory()
    with scopes_disabled():
        AuditEntry.objects.create(id=uuid.UUID(taken), organization=other, action="x.y.z")
    # When the node pushes it
    results = Ingestor(node, [audit]).run()
    # Then it is told the database refused it, without the database's text (constraint, key, id)
    assert results[audit["id"]] == {"status": "retry", "detail": "the cloud's database refused it; sent again later"}
