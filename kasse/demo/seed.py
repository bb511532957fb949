"""Seeding: the whole demo shop, or more products and customers for an organization."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.utils import translation
from django_scopes import scopes_disabled

from kasse.catalog.models import Variant
from kasse.core.actors import Actor
from kasse.customers.models import Customer
from kasse.demo import catalog, customers, shop
from kasse.demo.offers import seed_offers
from kasse.tenancy.models import Organization, Store

DEFAULT_CUSTOMERS = 200
# Up to this many customers go through the service one by one; more are bulk-inserted.
SERVICE_CUSTOMER_LIMIT = 500


def default_product_count() -> int:
    return len(catalog.demo_catalog())


class SeedRefused(Exception):
    """Seeding would duplicate the demo; the message says what to do instead."""


@dataclass(frozen=True)
class SeedResult:
    organization: Organization
    created_organization: bool
    products: int
    customers: int
    seconds: float


def seed_demo(
    *,
    organization_name: str | None = None,
    products: int | None = None,
    customers_count: int = DEFAULT_CUSTOMERS,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> SeedResult:
    """Seed the demo shop, or add to an existing organization.

    * No ``organization_name``: create *Bäckerei & Feinkost Sonnenschein*;
      refuse with :class:`SeedRefused` if it exists, unless ``force`` (then a
      further copy with a numbered name is created).
    * ``organization_name`` of an existing organization: add products and
      customers to it. Of a new one: create the demo shop under that name.

    ``products`` is how many products this run creates (default: the
    hand-written assortment, a little over 300). The hand-written ones go
    through the catalog services; any beyond are generated and bulk-inserted.
    """
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    actor = Actor.system("seed")
    count = default_product_count() if products is None else products
    if count < 0 or customers_count < 0:
        raise ValueError("counts must not be negative")
    with translation.override("de"), scopes_disabled():
        name = organization_name or shop.DEMO_ORGANIZATION_NAME
        organization = shop.find_demo_organization(name)
        created = organization is None
        if organization is not None and organization_name is None:
            if not force:
                raise SeedRefused(
                    f'The demo organization “{name}” already exists. Use --organization "{name}" to add '
                    "products and customers to it, or --force to create another copy."
                )
            name = _free_name(name)
            organization, created = None, True
        if organization is None:
            say(f"Creating {name} with {len(shop.STORES)} stores and {len(shop.PEOPLE) + 1} employees …")
            organization, stores = shop.create_shop(actor, name=name)
        else:
            stores = {s.number: s for s in Store.objects.filter(organization=organization)}
        made_products = _seed_products(actor, organization, stores, count, say)
        made_customers = _seed_customers(actor, organization, customers_count, say)
        if created:
            say("Setting up loyalty, gift cards, promotions and a campaign …")
            seed_offers(actor, organization)
    _refresh_planner_statistics()
    return SeedResult(organization, created, made_products, made_customers, time.perf_counter() - started)


def _refresh_planner_statistics() -> None:
    """ANALYZE after a bulk load, so the query planner knows the new row counts.

    Without statistics SQLite walks the organization index for every catalog
    search (one organization owns all rows on a store node) instead of the
    ``search_text`` index, and searches take twice as long.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _free_name(name: str) -> str:
    number = 2
    while Organization.objects.filter(name=f"{name} {number}").exists():
        number += 1
    return f"{name} {number}"


def _seed_products(
    actor: Actor, organization: Organization, stores: dict[int, Store], count: int, say: Callable[[str], None]
) -> int:
    if count == 0:
        return 0
    categories = catalog.ensure_categories(actor, organization)
    handwritten = catalog.demo_catalog()
    has_assortment = Variant.objects.filter(organization=organization, sku=handwritten[0].variants[0].sku).exists()
    made = 0
    if not has_assortment:
        chosen = handwritten[:count]
        say(f"Creating {len(chosen)} products through the catalog service …")
        made = catalog.save_with_services(actor, organization, chosen, categories)
        catalog.apply_store_prices(actor, organization, stores)
    rest = count - made
    if rest > 0:
        say(f"Bulk-inserting {rest} generated products …")
        start = catalog.next_filler_serial(organization)
        made += catalog.bulk_insert(actor, organization, catalog.filler_products(rest, start=start), categories)
    return made


def _seed_customers(actor: Actor, organization: Organization, count: int, say: Callable[[str], None]) -> int:
    if count == 0:
        return 0
    start = Customer.objects.filter(organization=organization).count()
    if count <= SERVICE_CUSTOMER_LIMIT:
        say(f"Creating {count} customers through the customer service …")
        return customers.save_with_services(actor, organization, count, start=start)
    say(f"Bulk-inserting {count} customers …")
    return customers.bulk_insert(actor, organization, count, start=start)
