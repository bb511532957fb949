"""The demo business: Bäckerei & Feinkost Sonnenschein GmbH, two stores, its people.

Logins are fixed so the README and ``kasse demo`` can print them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from kasse.core.actors import Actor
from kasse.tenancy.models import Organization, Register, Store
from kasse.tenancy.permissions import Role
from kasse.tenancy.services import create_organization, save_employee, save_register, save_store

DEMO_ORGANIZATION_NAME = "Bäckerei & Feinkost Sonnenschein"
DEMO_PASSWORD = "sonnenschein-demo"  # noqa: S105 - a published demo login, not a secret
OWNER_EMAIL = "inhaberin@sonnenschein.example"


def vat_id_check_digit(eight_digits: str) -> int:
    """Check digit of a German VAT ID (ISO 7064, MOD 11,10), so the demo's ID is well-formed."""
    product = 10
    for char in eight_digits:
        total = (int(char) + product) % 10 or 10
        product = (2 * total) % 11
    return (11 - product) % 10


ORGANIZATION = {
    "name": DEMO_ORGANIZATION_NAME,
    "legal_name": "Bäckerei & Feinkost Sonnenschein GmbH",
    "street": "Kastanienallee 42",
    "postal_code": "10435",
    "city": "Berlin",
    "country": "DE",
    "vat_id": "DE27364815" + str(vat_id_check_digit("27364815")),
    "tax_number": "30/123/45678",
    "email": "hallo@sonnenschein.example",
    "phone": "+49 30 23125 100",
    "language": "de",
}
STORES = [
    {
        "name": "Berlin Prenzlauer Berg",
        "number": 1,
        "street": "Kastanienallee 42",
        "postal_code": "10435",
        "city": "Berlin",
        "country": "DE",
        "time_zone": "Europe/Berlin",
        "phone": "+49 30 23125 101",
        "email": "berlin@sonnenschein.example",
        "receipt_footer": "Danke für Ihren Einkauf! Mo–Sa 6:30–19 Uhr, So 7–13 Uhr.",
    },
    {
        "name": "Potsdam Innenstadt",
        "number": 2,
        "street": "Brandenburger Straße 17",
        "postal_code": "14467",
        "city": "Potsdam",
        "country": "DE",
        "time_zone": "Europe/Berlin",
        "phone": "+49 30 23125 102",
        "email": "potsdam@sonnenschein.example",
        "receipt_footer": "Danke und bis bald in der Brandenburger Straße!",
    },
]


@dataclass(frozen=True)
class DemoPerson:
    name: str
    pin: str
    role: str
    store: int | None  # store number; None = all stores
    email: str = ""  # back-office login, if any
    number: str = ""


OWNER = DemoPerson("Anna Sonnenschein", "111111", Role.OWNER, None, OWNER_EMAIL, "001")
PEOPLE = [
    DemoPerson("Mehmet Yılmaz", "222222", Role.MANAGER, 1, "berlin@sonnenschein.example", "010"),
    DemoPerson("Katrin Schulze", "333333", Role.MANAGER, 2, "potsdam@sonnenschein.example", "020"),
    DemoPerson("Lena Hoffmann", "1234", Role.CASHIER, 1, number="011"),
    DemoPerson("Jonas Becker", "2345", Role.CASHIER, 1, number="012"),
    DemoPerson("Sophie Wagner", "3456", Role.CASHIER, 1, number="013"),
    DemoPerson("Felix Richter", "4567", Role.CASHIER, 2, number="021"),
    DemoPerson("Marie Klein", "5678", Role.CASHIER, 2, number="022"),
]
REGISTERS_PER_STORE = 2


def find_demo_organization(name: str = DEMO_ORGANIZATION_NAME) -> Organization | None:
    return Organization.objects.filter(name=name).order_by("created_at").first()


def create_shop(actor: Actor, *, name: str = DEMO_ORGANIZATION_NAME) -> tuple[Organization, dict[int, Store]]:
    """The organization with its stores, two registers per store and the team.

    Everything goes through the tenancy services, so it is valid by construction.
    """
    first, *others = STORES
    created = create_organization(
        actor=actor,
        organization={**ORGANIZATION, "name": name},
        store=first,
        owner_email=OWNER.email,
        owner_password=DEMO_PASSWORD,
        owner_name=OWNER.name,
        owner_pin=OWNER.pin,
        email_verified=True,
    )
    org = created.organization
    stores = {created.store.number: created.store}
    for data in others:
        store = save_store(actor=actor, organization=org, data=data)
        stores[store.number] = store
    for number, store in stores.items():
        existing = 1 if number == created.store.number else 0
        for register_number in range(existing + 1, REGISTERS_PER_STORE + 1):
            save_register(
                actor=actor,
                organization=org,
                store=store,
                data={"number": register_number, "name": f"Kasse {register_number}"},
            )
    # create_organization names the first register in the active language; the demo is German.
    save_register(
        actor=actor, organization=org, store=created.store, register=created.register, data={"name": "Kasse 1"}
    )
    save_employee(actor=actor, organization=org, employee=created.employee, data={"employee_number": OWNER.number})
    _set_up_development_tse(actor, org)
    User = get_user_model()
    for person in PEOPLE:
        user = None
        if person.email:
            user = User.objects.filter(email=person.email).first() or User.objects.create_user(
                person.email,
                DEMO_PASSWORD,
                full_name=person.name,
                language="de",
                email_verified_at=created.owner.email_verified_at,
            )
        where = stores[person.store] if person.store else None
        save_employee(
            actor=actor,
            organization=org,
            data={"display_name": person.name, "employee_number": person.number, "user": user},
            pin=person.pin,
            roles=[(where, person.role)],
        )
    return org, stores


def _set_up_development_tse(actor: Actor, organization: Organization) -> None:
    """The demo shop signs with development TSEs, every register their client (docs/fiscal.md): the first
    store, which sells through the demo's store node, has its own (a development TSE's counters live where
    it signs), the other stores share one. Not with ``KASSE_ENV=production``, which refuses a development
    TSE."""
    from django.conf import settings

    from kasse.fiscal.services import create_development_tse, register_tse_client

    if settings.KASSE_ENV == "production":
        return
    first = Store.objects.filter(organization=organization).order_by("number").first()
    if first is not None:
        create_development_tse(organization=organization, actor=actor, store=first, name="Entwicklungs-TSE Filiale 1")
    create_development_tse(organization=organization, actor=actor)
    for register in Register.objects.filter(organization=organization):
        register_tse_client(register=register, actor=actor)
