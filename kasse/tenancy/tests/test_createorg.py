"""``kasse createorg``: an operator creates a shop from the command line."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from kasse.tenancy.models import Employee, Organization, Register, Store, StoreRole, User
from kasse.tenancy.permissions import Role
from kasse.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

ARGS = [
    "--name",
    "Eisdiele Venezia",
    "--legal-name",
    "Eisdiele Venezia GmbH",
    "--street",
    "Am Markt 1",
    "--postal-code",
    "80331",
    "--city",
    "München",
    "--vat-id",
    "DE 987 654 321",
    "--owner-email",
    "Gino@Venezia.example",
    "--owner-name",
    "Gino Rossi",
]


def _counts() -> dict[str, int]:
    with scopes_disabled():
        return {m.__name__: m.objects.count() for m in (Organization, Store, Register, User, Employee, StoreRole)}


def test_createorg_creates_organization_store_register_and_verified_owner(capsys):
    # When the operator runs createorg with a password and a PIN, without prompts
    call_command(
        "createorg",
        *ARGS,
        "--password",
        "Stracciatella-77",
        "--pin",
        "246810",
        "--no-input",
        "--time-zone",
        "Europe/Rome",
    )
    # Then everything exists, the owner is verified and can log in with the password
    with scopes_disabled():
        org = Organization.objects.get(name="Eisdiele Venezia")
        store = Store.objects.get(organization=org)
        employee = Employee.objects.select_related("user").get(organization=org)
        roles = list(StoreRole.objects.filter(employee=employee).values_list("store", "role"))
        registers = Register.objects.filter(store=store).count()
    assert (org.legal_name, org.vat_id) == ("Eisdiele Venezia GmbH", "DE987654321")
    assert (store.name, store.city, store.time_zone, registers) == ("Eisdiele Venezia", "München", "Europe/Rome", 1)
    assert roles == [(None, Role.OWNER)]
    user = employee.user
    assert user.email == "gino@venezia.example"
    assert user.email_verified_at is not None
    assert user.check_password("Stracciatella-77")
    assert employee.has_pin
    assert "Created organization “Eisdiele Venezia”" in capsys.readouterr().out


def test_invalid_vat_id_is_a_clear_error_and_nothing_is_created():
    before = _counts()
    args = [a if a != "DE 987 654 321" else "DE98765" for a in ARGS]
    with pytest.raises(CommandError) as refused:
        call_command("createorg", *args, "--password", "Stracciatella-77", "--no-input")
    assert "vat_id:" in str(refused.value)
    assert "DE123456789" in str(refused.value)
    assert _counts() == before


def test_invalid_time_zone_and_pin_are_refused_and_nothing_is_created():
    before = _counts()
    with pytest.raises(CommandError, match="time_zone"):
        call_command("createorg", *ARGS, "--password", "Stracciatella-77", "--no-input", "--time-zone", "Nowhere")
    with pytest.raises(CommandError, match="pin"):
        call_command("createorg", *ARGS, "--password", "Stracciatella-77", "--no-input", "--pin", "2468")
    assert _counts() == before


def test_no_input_needs_a_password():
    with pytest.raises(CommandError, match="--password is required with --no-input"):
        call_command("createorg", *ARGS, "--no-input")
    assert not Organization.objects.exists()


def test_weak_password_is_refused():
    with pytest.raises(CommandError, match="Password:"):
        call_command("createorg", *ARGS, "--password", "1234", "--no-input")
    assert not Organization.objects.exists()


def test_existing_email_is_refused():
    UserFactory(email="gino@venezia.example")
    with pytest.raises(CommandError, match="already exists"):
        call_command("createorg", *ARGS, "--password", "Stracciatella-77", "--no-input")
    assert not Organization.objects.exists()


def test_password_is_prompted_twice(monkeypatch):
    answers = iter(["Stracciatella-77", "Stracciatella-77"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("createorg", *ARGS)
    assert User.objects.get(email="gino@venezia.example").check_password("Stracciatella-77")


@pytest.mark.slow
def test_exit_code_is_non_zero_from_the_command_line():
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createorg",
            "--name",
            "X",
            "--street",
            "S 1",
            "--postal-code",
            "1",
            "--city",
            "C",
            "--owner-email",
            "x@example.org",
            "--no-input",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--password is required" in result.stderr
