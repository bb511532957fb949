"""A manager of one store acts on that store only: its employees and their roles."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.models import AuditEntry
from kasse.tenancy.models import Employee, StoreRole
from kasse.tenancy.permissions import Role
from kasse.tenancy.services import save_employee
from kasse.tenancy.tests.conftest import DE, EN, client_for
from kasse.testing.factories import EmployeeFactory, StoreFactory, UserFactory
from kasse.testing.plugin import soup_of, texts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def mitte(store):
    return store


@pytest.fixture
def nord(organization):
    return StoreFactory(organization=organization, name="Filiale Nord")


@pytest.fixture
def mitte_manager(organization, mitte, owner):
    return client_for(organization, Role.MANAGER, store=mitte, email="mitte@example.org")


def _roles(employee: Employee) -> set[tuple[str | None, str]]:
    with scopes_disabled():
        return {(r.store.name if r.store else None, r.role) for r in StoreRole.objects.filter(employee=employee)}


def _audits() -> int:
    with scopes_disabled():
        return AuditEntry.objects.count()


def test_a_store_manager_cannot_create_an_all_stores_manager(organization, mitte, mitte_manager):
    # When the manager of Mitte creates somebody as manager of all stores
    before = _audits()
    response = mitte_manager.post(
        "/settings/employees/new/",
        {"display_name": "Komplize", "is_active": "on", "pin": "2468", "role_all": "manager", f"role_{mitte.pk}": ""},
        **EN,
    )
    # Then it is refused (the all-stores row is not theirs to set) and nobody was created
    assert response.status_code == 400
    assert texts(soup_of(response), "form-errors") == ["An employee needs at least one role."]
    with scopes_disabled():
        assert not Employee.objects.filter(display_name="Komplize").exists()
    assert _audits() == before


def test_the_service_refuses_an_all_stores_role_from_a_store_manager(organization, mitte, owner):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(mitte, Role.MANAGER))
    with pytest.raises(ValidationError) as err:
        save_employee(
            actor=Actor.for_user(user),
            organization=organization,
            data={"display_name": "Komplize"},
            roles=[(None, Role.MANAGER)],
        )
    assert err.value.message_dict == {"roles": ["Only an owner can grant or change a role in all stores."]}


def test_an_all_stores_manager_cannot_grant_an_all_stores_role_either(organization, mitte, owner):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=Role.MANAGER)
    with pytest.raises(ValidationError) as err:
        save_employee(
            actor=Actor.for_user(user),
            organization=organization,
            data={"display_name": "Komplize"},
            roles=[(None, Role.CASHIER)],
        )
    assert err.value.message_dict == {"roles": ["Only an owner can grant or change a role in all stores."]}
    # while a role in a store is theirs to grant
    lena = save_employee(
        actor=Actor.for_user(user),
        organization=organization,
        data={"display_name": "Lena"},
        roles=[(mitte, Role.CASHIER)],
    )
    assert _roles(lena) == {("Filiale Mitte", Role.CASHIER)}


def test_a_store_manager_grants_roles_only_in_their_store(organization, mitte, nord, mitte_manager):
    response = mitte_manager.post(
        "/settings/employees/new/",
        {"display_name": "Lena", "is_active": "on", f"role_{mitte.pk}": "cashier", f"role_{nord.pk}": "manager"},
        **EN,
    )
    # The store they do not manage is not on their form, so only Mitte's role is granted
    assert response.status_code == 302
    assert _roles(_employee("Lena")) == {("Filiale Mitte", Role.CASHIER)}
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(mitte, Role.MANAGER))
    with pytest.raises(ValidationError) as err:
        save_employee(
            actor=Actor.for_user(user),
            organization=organization,
            data={"display_name": "Max"},
            roles=[(mitte, Role.CASHIER), (nord, Role.MANAGER)],
        )
    assert err.value.message_dict == {"roles": ["You can only grant roles in the stores where you manage employees."]}


def _employee(name: str) -> Employee:
    with scopes_disabled():
        return Employee.objects.get(display_name=name)


def test_another_stores_employee_is_404_and_unchanged(organization, mitte, nord, mitte_manager):
    # Given the manager of Nord, with a PIN, a login and a role in Nord only
    boss = UserFactory(email="nord@example.org")
    nord_manager = EmployeeFactory(
        organization=organization, user=boss, display_name="Nora", pin="1357", role=(nord, Role.MANAGER)
    )
    before = _audits()
    # When the manager of Mitte opens and posts Nora's record (new PIN, login, inactive, roles)
    url = f"/settings/employees/{nord_manager.pk}/"
    assert mitte_manager.get(url).status_code == 404
    response = mitte_manager.post(
        url,
        {"display_name": "Nora", "pin": "9999", "login_email": "attacker@example.org", f"role_{mitte.pk}": "cashier"},
    )
    # Then it is the same 404 as a missing employee, and nothing changed
    assert response.status_code == 404
    nord_manager.refresh_from_db()
    assert (nord_manager.is_active, nord_manager.user_id) == (True, boss.pk)
    assert nord_manager.check_pin("1357")
    assert _roles(nord_manager) == {("Filiale Nord", Role.MANAGER)}
    assert _audits() == before
    # and the list does not show her
    page = soup_of(mitte_manager.get("/settings/employees/"))
    assert not any("Nora" in row for row in texts(page, "employee-row"))


def test_the_service_refuses_changing_another_stores_employee(organization, mitte, nord, owner):
    user = UserFactory()
    EmployeeFactory(organization=organization, user=user, role=(mitte, Role.MANAGER))
    nora = EmployeeFactory(organization=organization, display_name="Nora", role=(nord, Role.CASHIER))
    both = EmployeeFactory(organization=organization, display_name="Beide", role=(nord, Role.CASHIER))
    with scopes_disabled():
        StoreRole.objects.create(organization=organization, employee=both, store=mitte, role=Role.CASHIER)
    for target in (nora, both):
        with pytest.raises(ValidationError) as err:
            save_employee(
                actor=Actor.for_user(user), organization=organization, employee=target, data={"is_active": False}
            )
        assert err.value.messages == ["You can only change employees of the stores where you manage employees."]
        target.refresh_from_db()
        assert target.is_active


def test_a_store_manager_sees_and_changes_their_own_stores_people(organization, mitte, nord, mitte_manager):
    lena = EmployeeFactory(organization=organization, display_name="Lena", role=(mitte, Role.CASHIER))
    EmployeeFactory(organization=organization, display_name="Nora", role=(nord, Role.CASHIER))
    EmployeeFactory(organization=organization, display_name="Olga", role=Role.CASHIER)
    page = soup_of(mitte_manager.get("/settings/employees/", **DE))
    names = " ".join(texts(page, "employee-row"))
    assert "Lena" in names
    assert "Nora" not in names
    assert "Olga" not in names  # all stores: not only Mitte's
    form = soup_of(mitte_manager.get(f"/settings/employees/{lena.pk}/", **DE))
    assert [el["name"] for el in form.select("[data-testid=role-row] select")] == ["role_all", f"role_{mitte.pk}"]
    assert form.select_one("select[name=role_all]").has_attr("disabled")
    response = mitte_manager.post(
        f"/settings/employees/{lena.pk}/",
        {"display_name": "Lena K.", "is_active": "on", f"role_{mitte.pk}": "cashier"},
        **DE,
    )
    assert response.status_code == 302
    lena.refresh_from_db()
    assert lena.display_name == "Lena K."


def test_an_all_stores_manager_keeps_an_existing_all_stores_row(organization, mitte, owner):
    client = client_for(organization, Role.MANAGER, email="chef@example.org")
    olga = EmployeeFactory(organization=organization, display_name="Olga", role=Role.CASHIER)
    response = client.post(
        f"/settings/employees/{olga.pk}/", {"display_name": "Olga M.", "is_active": "on", "role_all": "manager"}, **DE
    )
    # The disabled all-stores row keeps its value whatever is posted
    assert response.status_code == 302
    assert _roles(olga) == {(None, Role.CASHIER)}
