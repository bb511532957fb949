"""Capabilities per role and store, PIN lookup, and the tenant scope of queries."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_scopes import ScopeError, scope, scopes_disabled

from kasse.catalog.models import Product
from kasse.core.actors import Actor
from kasse.tenancy.models import Organization, pin_matches
from kasse.tenancy.permissions import Capability, Role
from kasse.tenancy.selectors import capabilities, has_capability
from kasse.tenancy.services import create_organization, save_employee
from kasse.testing.factories import (
    EmployeeFactory,
    OrganizationFactory,
    ProductFactory,
    StoreFactory,
)

pytestmark = pytest.mark.django_db


def test_store_bound_manager_has_manager_rights_only_in_that_store(organization):
    berlin = StoreFactory(organization=organization)
    potsdam = StoreFactory(organization=organization)
    anna = EmployeeFactory(organization=organization, role=(berlin, Role.MANAGER))
    assert has_capability(anna, Capability.MANAGER_OVERRIDE, berlin)
    assert not has_capability(anna, Capability.MANAGER_OVERRIDE, potsdam)
    assert not has_capability(anna, Capability.MANAGE_SETTINGS, berlin)


def test_owner_has_every_capability_everywhere(organization, store):
    owner = EmployeeFactory(organization=organization, role=Role.OWNER)
    assert capabilities(owner, store) == frozenset(Capability.values)


def test_inactive_employee_has_no_capabilities(organization):
    gone = EmployeeFactory(organization=organization, role=Role.OWNER, is_active=False)
    assert capabilities(gone) == frozenset()


def test_a_pin_checks_only_against_its_employee_and_organization():
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    ben = EmployeeFactory(organization=org_a, pin="4711")
    assert ben.check_pin("4711")
    assert not pin_matches(org_b, ben.pin_digest, "4711")
    assert not ben.check_pin("0000")
    assert not ben.check_pin("47a1")
    assert not ben.check_pin("")


def test_two_employees_of_one_organization_may_share_a_pin(organization, store):
    EmployeeFactory(organization=organization, pin="123456", role=Role.OWNER)
    clara = save_employee(
        actor=Actor.system(),
        organization=organization,
        data={"display_name": "Clara"},
        pin="123456",
        roles=[(store, Role.CASHIER)],
    )
    assert clara.check_pin("123456")


def test_a_pin_set_before_salted_digests_still_opens_the_register(organization):
    from kasse.tenancy.models import _legacy_pin_digest

    old = EmployeeFactory(organization=organization)
    old.pin_digest = _legacy_pin_digest(organization, "4711")
    assert old.check_pin("4711")
    assert not old.check_pin("4712")


def test_last_owner_cannot_lose_the_owner_role(organization, store):
    owner = EmployeeFactory(organization=organization, role=Role.OWNER)
    with pytest.raises(ValidationError):
        save_employee(
            actor=Actor.system(), organization=organization, employee=owner, data={}, roles=[(store, Role.MANAGER)]
        )
    assert has_capability(owner, Capability.MANAGE_SETTINGS)


def test_create_organization_makes_store_register_and_owner(db):
    result = create_organization(
        actor=Actor.system("test"),
        organization={
            "name": "Kiosk Eck",
            "legal_name": "Kiosk Eck e.K.",
            "street": "Eckstr. 1",
            "postal_code": "04109",
            "city": "Leipzig",
            "vat_id": "de 123 456 789",
        },
        store={"name": "Eck", "street": "Eckstr. 1", "postal_code": "04109", "city": "Leipzig"},
        owner_email="Eck@Example.org",
        owner_password="a long enough password",
        owner_pin="999999",
    )
    assert result.organization.vat_id == "DE123456789"
    assert result.owner.email == "eck@example.org"
    assert result.owner.email_verified_at is None
    assert has_capability(result.employee, Capability.MANAGE_SETTINGS)
    assert result.employee.check_pin("999999")
    assert result.register.store == result.store


def test_create_organization_with_invalid_vat_id_creates_nothing(db):
    with pytest.raises(ValidationError) as err:
        create_organization(
            actor=Actor.system("test"),
            organization={
                "name": "X",
                "legal_name": "X GmbH",
                "street": "a",
                "postal_code": "1",
                "city": "b",
                "vat_id": "DE12",
            },
            store={"name": "X", "street": "a", "postal_code": "1", "city": "b"},
            owner_email="x@example.org",
            owner_password="a long enough password",
        )
    assert "vat_id" in err.value.message_dict
    with scopes_disabled():
        assert Organization.objects.count() == 0


def test_scoped_queries_fail_loudly_without_a_scope(organization):
    ProductFactory(organization=organization)
    with pytest.raises(ScopeError):
        list(Product.objects.all())


def test_scope_hides_other_organizations_rows():
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    mine = ProductFactory(organization=org_a)
    ProductFactory(organization=org_b)
    with scope(organization=org_a):
        assert list(Product.objects.all()) == [mine]
        with pytest.raises(Product.DoesNotExist):
            Product.objects.get(organization=org_b)
