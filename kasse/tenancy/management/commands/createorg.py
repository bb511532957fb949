"""``kasse createorg``: an operator creates an organization, its first store and owner.

    kasse createorg --name "Bäckerei Sonne" --legal-name "Bäckerei Sonne GmbH" \\
        --street "Hauptstraße 1" --postal-code 10115 --city Berlin --vat-id DE123456789 \\
        --owner-email inhaber@example.org --owner-name "Erika Sonne" --no-input --password ...

Without ``--password`` the password is asked for (twice) unless ``--no-input``
is given; then it is required. The owner is marked verified. Invalid input
(e.g. a malformed VAT ID) ends with the messages and exit code 1, and nothing
is created.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kasse.core.actors import Actor
from kasse.tenancy.models import Language, User
from kasse.tenancy.services import create_organization


class Command(BaseCommand):
    help = "Create an organization with its first store, first register and owner account."

    def add_arguments(self, parser: CommandParser) -> None:
        org = parser.add_argument_group("organization")
        org.add_argument("--name", required=True, help="shop name as people know it")
        org.add_argument("--legal-name", help="legal name on receipts (default: --name)")
        org.add_argument("--street", required=True, help="street and number")
        org.add_argument("--postal-code", required=True)
        org.add_argument("--city", required=True)
        org.add_argument("--country", default="DE", help="two letters (default DE)")
        org.add_argument("--vat-id", default="", help="e.g. DE123456789")
        org.add_argument("--tax-number", default="", help="e.g. 21/815/08150")
        org.add_argument("--email", default="", help="the organization's contact e-mail")
        org.add_argument("--phone", default="")
        org.add_argument("--language", default=Language.GERMAN, choices=Language.values)
        store = parser.add_argument_group("first store (address defaults to the organization's)")
        store.add_argument("--store-name", help="default: --name")
        store.add_argument("--store-street")
        store.add_argument("--store-postal-code")
        store.add_argument("--store-city")
        store.add_argument("--time-zone", default="Europe/Berlin", help="IANA name (default Europe/Berlin)")
        owner = parser.add_argument_group("owner")
        owner.add_argument("--owner-email", required=True)
        owner.add_argument("--owner-name", default="")
        owner.add_argument("--password", help="owner's password (else asked for)")
        owner.add_argument("--pin", help="owner's register PIN (6 to 12 digits)")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="never prompt (then --password is required)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["owner_email"].strip().lower()
        password = self._password(options, email)
        if User.objects.filter(email=email).exists():
            raise CommandError(f"A user with the e-mail address {email} already exists.")
        organization = {
            "name": options["name"],
            "legal_name": options["legal_name"] or options["name"],
            "street": options["street"],
            "postal_code": options["postal_code"],
            "city": options["city"],
            "country": options["country"].upper(),
            "vat_id": options["vat_id"],
            "tax_number": options["tax_number"],
            "email": options["email"],
            "phone": options["phone"],
            "language": options["language"],
        }
        store = {
            "name": options["store_name"] or options["name"],
            "street": options["store_street"] or options["street"],
            "postal_code": options["store_postal_code"] or options["postal_code"],
            "city": options["store_city"] or options["city"],
            "country": organization["country"],
            "time_zone": options["time_zone"],
        }
        try:
            with transaction.atomic():
                created = create_organization(
                    actor=Actor.system("createorg"),
                    organization=organization,
                    store=store,
                    owner_email=email,
                    owner_password=password,
                    owner_name=options["owner_name"],
                    owner_pin=options["pin"] or None,
                    email_verified=True,
                )
        except ValidationError as exc:
            raise CommandError(self._describe(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Created organization “{created.organization.name}” ({created.organization.pk}) "
                f"with store “{created.store.name}”, register {created.register.serial_number} "
                f"and owner {created.owner.email}."
            )
        )

    def _password(self, options: dict[str, Any], email: str) -> str:
        password = options["password"]
        if password is None:
            if not options["interactive"]:
                raise CommandError("--password is required with --no-input.")
            password = getpass.getpass("Owner password: ")
            if getpass.getpass("Owner password (again): ") != password:
                raise CommandError("The two passwords differ.")
        try:
            password_validation.validate_password(password, User(email=email, full_name=options["owner_name"]))
        except ValidationError as exc:
            raise CommandError("Password: " + " ".join(exc.messages)) from exc
        return str(password)

    @staticmethod
    def _describe(exc: ValidationError) -> str:
        if not hasattr(exc, "error_dict"):
            return " ".join(exc.messages)
        return "\n".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
