"""Demo customers: German names and addresses around Berlin and Potsdam.

E-mail addresses use the reserved ``example.*`` domains and phone numbers the
Berlin range the Bundesnetzagentur keeps for film and TV (030 23125 xxx), so
no real person is ever written to. Loyalty cards are in-store EAN-13s with the
prefix 27, which German scale labels do not use.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.text import fold
from kasse.customers.models import ConsentSource, Customer
from kasse.customers.services import customer_search_text, save_customer
from kasse.demo.catalog import ean13
from kasse.tenancy.models import Organization

FIRST_NAMES = [
    "Anna",
    "Lena",
    "Marie",
    "Sophie",
    "Laura",
    "Julia",
    "Hannah",
    "Lea",
    "Emma",
    "Mia",
    "Katharina",
    "Sabine",
    "Petra",
    "Monika",
    "Ursula",
    "Claudia",
    "Nicole",
    "Stefanie",
    "Jana",
    "Clara",
    "Greta",
    "Ida",
    "Frieda",
    "Elif",
    "Ayşe",
    "Zofia",
    "Chiara",
    "Jonas",
    "Lukas",
    "Leon",
    "Felix",
    "Paul",
    "Maximilian",
    "Tim",
    "Jan",
    "Thomas",
    "Michael",
    "Andreas",
    "Stefan",
    "Frank",
    "Jürgen",
    "Klaus",
    "Uwe",
    "Matthias",
    "Tobias",
    "Florian",
    "Moritz",
    "Emil",
    "Karl",
    "Mehmet",
    "Can",
    "Piotr",
    "Luca",
    "Nils",
    "Björn",
    "Sören",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Schmitz",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Schubert",
    "Yılmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "Öztürk",
    "Großmann",
    "Vogel",
    "Friedrich",
    "Günther",
    "Winkler",
]
# (street, postal code, city) — real streets, invented house numbers.
ADDRESSES = [
    ("Kastanienallee", "10435", "Berlin"),
    ("Schönhauser Allee", "10437", "Berlin"),
    ("Oderberger Straße", "10435", "Berlin"),
    ("Greifswalder Straße", "10405", "Berlin"),
    ("Danziger Straße", "10435", "Berlin"),
    ("Torstraße", "10119", "Berlin"),
    ("Bergmannstraße", "10961", "Berlin"),
    ("Oranienstraße", "10999", "Berlin"),
    ("Kollwitzstraße", "10405", "Berlin"),
    ("Prenzlauer Allee", "10405", "Berlin"),
    ("Karl-Marx-Allee", "10243", "Berlin"),
    ("Boxhagener Straße", "10245", "Berlin"),
    ("Sonnenallee", "12045", "Berlin"),
    ("Wilmersdorfer Straße", "10627", "Berlin"),
    ("Brandenburger Straße", "14467", "Potsdam"),
    ("Friedrich-Ebert-Straße", "14467", "Potsdam"),
    ("Lindenstraße", "14467", "Potsdam"),
    ("Charlottenstraße", "14467", "Potsdam"),
    ("Zeppelinstraße", "14471", "Potsdam"),
    ("Großbeerenstraße", "14482", "Potsdam"),
    ("Rudolf-Breitscheid-Straße", "14482", "Potsdam"),
    ("Hauptstraße", "14548", "Schwielowsee"),
    ("Potsdamer Straße", "14513", "Teltow"),
    ("Berliner Straße", "14532", "Kleinmachnow"),
]
COMPANIES = [
    "Café am Weinberg GmbH",
    "Kita Sonnenblume e. V.",
    "Büro Hartmann & Partner",
    "Hotel Havelblick",
    "Praxis Dr. Neumann",
    "Weinbar Kollwitz UG",
    "Blumen Krüger",
    "Atelier Oderberg",
]
CONSENT_SOURCES = [ConsentSource.REGISTER, ConsentSource.BACKOFFICE, ConsentSource.WEB]
_EMAIL_DOMAINS = ["example.org", "example.com", "example.net"]


def _ascii(name: str) -> str:
    return fold(name).replace(" ", "").replace("ı", "i")


def customer_data(count: int, *, start: int = 0, seed: int = 11) -> Iterator[tuple[dict[str, Any], str]]:
    """``count`` customers as service input ``(data, consent source)``, deterministic per ``seed``.

    ``start`` numbers them on (for adding to an organization that has some).
    """
    rng = random.Random(seed * 7919 + start)
    for index in range(start, start + count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        street, postal_code, city = rng.choice(ADDRESSES)
        company = rng.choice(COMPANIES) if index % 17 == 5 else ""
        data: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "company": company,
            "email": f"{_ascii(first)}.{_ascii(last)}{index}@{rng.choice(_EMAIL_DOMAINS)}"
            if rng.random() < 0.8
            else "",
            "phone": f"+49 30 23125 {rng.randrange(1000):03d}" if rng.random() < 0.5 else "",
            "street": f"{street} {rng.randrange(1, 140)}",
            "postal_code": postal_code,
            "city": city,
            "country": "DE",
            "loyalty_card_code": ean13(f"27{index + 1:010d}") if rng.random() < 0.7 else "",
            "marketing_consent": rng.random() < 0.45,
            "notes": "Bestellt freitags Brötchen für das Team." if company else "",
        }
        yield data, rng.choice(CONSENT_SOURCES)


def save_with_services(actor: Actor, organization: Organization, count: int, *, start: int = 0) -> int:
    """Create customers through :func:`kasse.customers.services.save_customer`."""
    for data, source in customer_data(count, start=start):
        save_customer(actor=actor, organization=organization, data=data, consent_source=source)
    return count


def bulk_insert(actor: Actor, organization: Organization, count: int, *, start: int = 0, batch_size: int = 2000) -> int:
    """Insert many customers with ``bulk_create`` (large demo data sets only)."""
    now = timezone.now()
    with scopes_disabled(), transaction.atomic():
        number = Customer.objects.filter(organization=organization).aggregate(n=Max("customer_number"))["n"]
        number = number or 10000
        rows = []
        for data, source in customer_data(count, start=start):
            number += 1
            consent = bool(data.pop("marketing_consent"))
            customer = Customer(organization=organization, customer_number=number, **data)
            customer.loyalty_card_code = customer.loyalty_card_code or None
            if consent:
                customer.marketing_consent = True
                customer.marketing_consent_at = now
                customer.marketing_consent_source = source
            customer.search_text = customer_search_text(customer)
            rows.append(customer)
        Customer.objects.bulk_create(rows, batch_size=batch_size)
        log_action(organization, actor, "customers.customer.bulk_created", None, {"count": count})
    return count
