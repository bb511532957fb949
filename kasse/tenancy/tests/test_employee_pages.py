"""Employee pages: PINs, roles per store, owner rules and back-office login invitations."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django_scopes import scopes_disabled

from kasse.tenancy.models import Employee, StoreRole, User
from kasse.tenancy.permissions import Role
from kasse.tenancy.tests.conftest import DE, client_for
from kasse.testing.factories import EmployeeFactory, StoreFactory, UserFactory
from kasse.testing.plugin import soup_of, texts

pytestmark = pytest.mark.django_db


def _roles(employee: Employee) -> set[tuple[str | None, str]]:
    with scopes_disabled():
        return {(r.store.name if r.store else None, r.role) for r in StoreRole.objects.filter(employee=employee)}


def _employee(name: str) -> Employee:
    with scopes_disabled():
        return Employee.objects.get(display_name=name)


def test_owner_creates_a_cashier_with_pin_and_a_store_role(owner_client, organization, store):
    # When the owner creates Lena as cashier in "Filiale Mitte" with PIN 4711
    response = owner_client.post(
        "/settings/employees/new/",
        {
            "display_name": "Lena",
            "employee_number": "017",
            "is_active": "on",
            "pin": "4711",
            "login_email": "",
            "role_all": "",
            f"role_{store.pk}": "cashier",
        },
        **DE,
    )
    # Then Lena exists with that role, and the PIN logs her in at the register
    assert response.status_code == 302
    lena = _employee("Lena")
    assert (lena.employee_number, lena.is_active, lena.user) == ("017", True, None)
    assert _roles(lena) == {("Filiale Mitte", Role.CASHIER)}
    assert lena.check_pin("4711")
    assert not lena.check_pin("4712")


def test_the_pin_is_never_shown_back(owner_client, organization):
    lena = EmployeeFactory(organization=organization, display_name="Lena", pin="4711", role=Role.CASHIER)
    response = owner_client.get(f"/settings/employees/{lena.pk}/", **DE)
    html = response.content.decode()
    assert "4711" not in html
    page = soup_of(response)
    assert page.select_one("input[name=pin]").get("value") is None
    assert texts(page, "pin-status") == ["Eine Kassen-PIN ist gesetzt."]


def test_empty_pin_keeps_the_current_one(owner_client, organization):
    lena = EmployeeFactory(organization=organization, display_name="Lena", pin="4711", role=Role.CASHIER)
    digest = lena.pin_digest
    response = owner_client.post(
        f"/settings/employees/{lena.pk}/",
        {"display_name": "Lena K.", "is_active": "on", "pin": "", "role_all": "cashier"},
        **DE,
    )
    assert response.status_code == 302
    lena.refresh_from_db()
    assert (lena.display_name, lena.pin_digest) == ("Lena K.", digest)
    assert lena.check_pin("4711")


def test_a_pin_somebody_else_has_is_accepted_and_nothing_tells_who(owner_client, organization):
    # Given Max with PIN 1234 and Lena with PIN 4711
    max_ = EmployeeFactory(organization=organization, display_name="Max", pin="1234", role=Role.CASHIER)
    lena = EmployeeFactory(organization=organization, display_name="Lena", pin="4711", role=Role.CASHIER)
    # When the owner gives Lena Max's PIN: it is taken, without a word about Max (no PIN oracle)
    response = owner_client.post(
        f"/settings/employees/{lena.pk}/",
        {"display_name": "Lena Neu", "is_active": "on", "pin": "1234", "role_all": "cashier"},
        **DE,
    )
    assert response.status_code == 302
    lena.refresh_from_db()
    assert (lena.display_name, lena.check_pin("1234"), max_.check_pin("1234")) == ("Lena Neu", True, True)
    # Each digest is salted: the same PIN does not give the same digest
    assert lena.pin_digest != Employee.objects.with_scopes_disabled().get(pk=max_.pk).pin_digest


def test_owners_and_managers_need_six_digits(owner_client, organization, store):
    response = owner_client.post(
        "/settings/employees/new/",
        {"display_name": "Mia", "is_active": "on", "pin": "1234", "role_all": "", f"role_{store.pk}": "manager"},
        **DE,
    )
    assert response.status_code == 400
    assert texts(soup_of(response), "error-pin") == [
        "Inhaber und Filialleitung brauchen eine PIN mit 6 bis 12 Ziffern."
    ]
    response = owner_client.post(
        "/settings/employees/new/",
        {"display_name": "Mia", "is_active": "on", "pin": "123456", "role_all": "", f"role_{store.pk}": "manager"},
        **DE,
    )
    assert response.status_code == 302
    assert _employee("Mia").pin_is_long


def test_a_cashier_promoted_to_manager_must_choose_a_longer_pin(owner_client, organization, store):
    lena = EmployeeFactory(organization=organization, display_name="Lena", pin="4711", role=(store, Role.CASHIER))
    response = owner_client.post(
        f"/settings/employees/{lena.pk}/",
        {"display_name": "Lena", "is_active": "on", "pin": "", "role_all": "", f"role_{store.pk}": "manager"},
        **DE,
    )
    assert response.status_code == 400
    assert texts(soup_of(response), "error-pin") == [
        "Inhaber und Filialleitung brauchen eine PIN mit 6 bis 12 Ziffern. Bitte eine neue PIN vergeben."
    ]
    assert _roles(lena) == {("Filiale Mitte", Role.CASHIER)}


def test_employee_numbers_are_unique(owner_client, organization, store):
    EmployeeFactory(organization=organization, display_name="Max", employee_number="017", role=Role.CASHIER)
    response = owner_client.post(
        "/settings/employees/new/",
        {
            "display_name": "Lena",
            "employee_number": "017",
            "is_active": "on",
            "pin": "4711",
            "role_all": "cashier",
        },
        **DE,
    )
    assert response.status_code == 400
    assert "Ein anderer Mitarbeiter hat bereits diese Personalnummer." in response.content.decode()


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", "１２３４"])
def test_pin_must_have_4_to_12_ascii_digits(owner_client, organization, pin):
    response = owner_client.post(
        "/settings/employees/new/", {"display_name": "Kurz", "is_active": "on", "pin": pin, "role_all": "cashier"}, **DE
    )
    assert response.status_code == 400
    assert texts(soup_of(response), "error-pin")
    with scopes_disabled():
        assert not Employee.objects.filter(display_name="Kurz").exists()


def test_employee_without_any_role_is_refused(owner_client):
    response = owner_client.post("/settings/employees/new/", {"display_name": "Niemand", "is_active": "on"}, **DE)
    assert response.status_code == 400
    assert texts(soup_of(response), "form-errors") == ["Ein Mitarbeiter braucht mindestens eine Rolle."]


def test_roles_grid_has_all_stores_and_each_store(owner_client, organization, store):
    StoreFactory(organization=organization, name="Filiale Nord")
    page = soup_of(owner_client.get("/settings/employees/new/", **DE))
    labels = [row.select_one("label").text for row in page.select("[data-testid=role-row]")]
    assert labels == ["Alle Filialen", "Filiale Mitte", "Filiale Nord"]
    all_stores = [o.text for o in page.select("select[name=role_all] option")]
    assert all_stores == ["– keine Rolle –", "Inhaber", "Filialleitung", "Kassierer"]
    per_store = [o["value"] for o in page.select(f"select[name=role_{store.pk}] option")]
    assert per_store == ["", "manager", "cashier"]


def test_manager_is_not_offered_the_owner_role(manager_client):
    page = soup_of(manager_client.get("/settings/employees/new/", **DE))
    assert [o["value"] for o in page.select("select[name=role_all] option")] == ["", "manager", "cashier"]


def test_manager_cannot_make_someone_owner(manager_client, organization):
    # Given a cashier
    lena = EmployeeFactory(organization=organization, display_name="Lena", role=Role.CASHIER)
    # When a manager posts the owner role anyway
    response = manager_client.post(
        f"/settings/employees/{lena.pk}/", {"display_name": "Lena", "is_active": "on", "role_all": "owner"}, **DE
    )
    # Then it is not taken (only an owner sets the all-stores row; the form shows it disabled) and Lena stays cashier
    assert texts(soup_of(response), "error-role_all") == []
    assert _roles(lena) == {(None, Role.CASHIER)}


def test_service_refuses_owner_role_from_a_manager(organization, store):
    from kasse.core.actors import Actor
    from kasse.tenancy.services import save_employee

    manager = UserFactory()
    EmployeeFactory(organization=organization, user=manager, role=Role.MANAGER)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        save_employee(
            actor=Actor.for_user(manager),
            organization=organization,
            data={"display_name": "Neu"},
            roles=[(None, Role.OWNER)],
        )
    assert refused.value.message_dict == {"roles": ["Only an owner can grant the owner role."]}
    with scopes_disabled():
        assert not Employee.objects.filter(display_name="Neu").exists()


def test_manager_cannot_edit_an_owner(manager_client, organization, owner):
    # Given the owner's employee record
    with scopes_disabled():
        boss = Employee.objects.get(user=owner)
    # When a manager opens it, they are told why they cannot change it
    page = soup_of(manager_client.get(f"/settings/employees/{boss.pk}/", **DE))
    assert texts(page, "owner-locked") == ["Dieser Mitarbeiter ist Inhaber. Nur ein Inhaber kann einen Inhaber ändern."]
    assert page.select_one("[data-testid=employee-save]").has_attr("disabled")
    # And posting anyway changes nothing
    response = manager_client.post(
        f"/settings/employees/{boss.pk}/", {"display_name": "Abgesetzt", "is_active": "", "role_all": "owner"}, **DE
    )
    assert response.status_code == 400
    assert texts(soup_of(response), "form-errors") == ["Nur ein Inhaber kann einen Inhaber ändern."]
    boss.refresh_from_db()
    assert boss.is_active
    assert boss.display_name != "Abgesetzt"


def test_removing_the_last_owner_is_refused(owner_client, organization, owner):
    with scopes_disabled():
        me = Employee.objects.get(user=owner)
    response = owner_client.post(
        f"/settings/employees/{me.pk}/",
        {"display_name": me.display_name, "is_active": "on", "role_all": "manager"},
        **DE,
    )
    assert response.status_code == 400
    assert texts(soup_of(response), "form-errors") == ["Die Organisation muss mindestens einen Inhaber behalten."]
    assert _roles(me) == {(None, Role.OWNER)}


def test_deactivating_the_last_owner_is_refused(owner_client, organization, owner):
    with scopes_disabled():
        me = Employee.objects.get(user=owner)
    response = owner_client.post(
        f"/settings/employees/{me.pk}/", {"display_name": me.display_name, "is_active": "", "role_all": "owner"}, **DE
    )
    assert response.status_code == 400
    me.refresh_from_db()
    assert me.is_active


def test_owner_can_hand_over_to_a_second_owner(owner_client, organization, owner):
    second = EmployeeFactory(organization=organization, display_name="Zweite", role=Role.OWNER)
    with scopes_disabled():
        me = Employee.objects.get(user=owner)
    response = owner_client.post(
        f"/settings/employees/{me.pk}/",
        {"display_name": me.display_name, "is_active": "on", "role_all": "manager"},
        **DE,
    )
    assert response.status_code == 302
    assert _roles(me) == {(None, Role.MANAGER)}
    assert _roles(second) == {(None, Role.OWNER)}


def test_cashier_with_a_login_gets_403_on_employees(cashier_client):
    assert cashier_client.get("/settings/employees/").status_code == 403
    response = cashier_client.post("/settings/employees/new/", {"display_name": "X", "role_all": "cashier"})
    assert response.status_code == 403


def test_employee_list_shows_roles_login_and_pin_state(owner_client, organization, store, owner):
    EmployeeFactory(organization=organization, display_name="Lena", pin="4711", role=(store, Role.CASHIER))
    page = soup_of(owner_client.get("/settings/employees/", **DE))
    rows = {texts(row, "employee-name")[0]: row for row in page.select("[data-testid=employee-row]")}
    assert texts(rows["Lena"], "employee-roles") == ["Kassierer (Filiale Mitte)"]
    assert texts(rows["Lena"], "employee-pin") == ["gesetzt"]
    assert texts(rows["Lena"], "employee-login") == ["–"]
    owner_row = rows[owner.full_name]
    assert texts(owner_row, "employee-login") == ["owner@example.org"]
    assert texts(owner_row, "employee-roles") == ["Inhaber (alle Filialen)"]


def test_inviting_a_login_sends_a_link_to_choose_a_password(
    owner_client, organization, mailoutbox, django_capture_on_commit_callbacks
):
    # When the owner gives a new employee a back-office login
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            "/settings/employees/new/",
            {"display_name": "Mia", "is_active": "on", "login_email": "Mia@Example.org", "role_all": "manager"},
            **DE,
        )
    assert response.status_code == 302
    # Then a user without password exists, linked to Mia, and she got a German invitation
    with scopes_disabled():
        mia = Employee.objects.select_related("user").get(display_name="Mia")
    assert mia.user.email == "mia@example.org"
    assert not mia.user.has_usable_password()
    assert mia.user.email_verified_at is None
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["mia@example.org"]
    assert mail.subject == f"Ihr Zugang zu {organization.name} bei kasse"
    link = re.search(r"http://\S+/signup/verify/\S+/", mail.body).group(0)
    path = link.split("127.0.0.1:8000", 1)[1]
    # When Mia opens the link she chooses a password and is logged in
    mia_client = Client()
    page = soup_of(mia_client.get(path, **DE))
    assert page.select_one("[data-testid=set-password-form]") is not None
    response = mia_client.post(path, {"password1": "Apfelkuchen-2024", "password2": "Apfelkuchen-2024"}, **DE)
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email="mia@example.org")
    assert user.check_password("Apfelkuchen-2024")
    assert user.email_verified_at is not None
    assert mia_client.get("/settings/employees/").status_code == 200


def test_same_login_for_two_employees_is_refused(owner_client, organization, owner):
    response = owner_client.post(
        "/settings/employees/new/",
        {"display_name": "Doppelt", "is_active": "on", "login_email": "owner@example.org", "role_all": "cashier"},
        **DE,
    )
    assert response.status_code == 400
    assert texts(soup_of(response), "error-login_email") == [
        "Mit dieser E-Mail-Adresse meldet sich bereits ein anderer Mitarbeiter an."
    ]
    with scopes_disabled():
        assert not Employee.objects.filter(display_name="Doppelt").exists()


def test_cashier_only_login_cannot_reach_the_back_office_sections(organization, store):
    client = client_for(organization, Role.CASHIER, store=store)
    assert client.get("/settings/employees/").status_code == 403
    assert client.get("/customers/").status_code == 403


def test_manager_cannot_widen_their_own_roles(organization, store, owner):
    # Given a manager of one store
    client = client_for(organization, Role.MANAGER, store=store, email="filiale@example.org")
    with scopes_disabled():
        me = Employee.objects.get(user__email="filiale@example.org")
    # When they try to become manager of all stores
    response = client.post(
        f"/settings/employees/{me.pk}/",
        {"display_name": me.display_name, "is_active": "on", "role_all": "manager", f"role_{store.pk}": ""},
        **DE,
    )
    # Then it is refused and their role stays
    assert response.status_code == 400
    assert texts(soup_of(response), "form-errors") == [
        "Sie können Ihre eigenen Rollen nicht ändern; bitte fragen Sie einen Inhaber."
    ]
    assert _roles(me) == {("Filiale Mitte", Role.MANAGER)}


def test_manager_may_rename_themselves(organization, store, owner):
    client = client_for(organization, Role.MANAGER, store=store, email="filiale@example.org")
    with scopes_disabled():
        me = Employee.objects.get(user__email="filiale@example.org")
    response = client.post(
        f"/settings/employees/{me.pk}/",
        {
            "display_name": "Neuer Name",
            "is_active": "on",
            f"role_{store.pk}": "manager",
            "login_email": "filiale@example.org",
        },
        **DE,
    )
    assert texts(soup_of(response), "form-errors") == []
    assert response.status_code == 302
    me.refresh_from_db()
    assert me.display_name == "Neuer Name"


def test_employee_list_query_count_is_bounded(owner_client, organization, store, django_assert_max_num_queries):
    for n in range(20):
        EmployeeFactory(organization=organization, display_name=f"Person {n}", role=(store, Role.CASHIER))
    with django_assert_max_num_queries(12):
        response = owner_client.get("/settings/employees/")
    assert len(soup_of(response).select("[data-testid=employee-row]")) == 21
