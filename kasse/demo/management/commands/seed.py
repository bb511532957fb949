"""``kasse seed``: the demo bakery-deli, or large catalogs for benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasse.demo.seed import DEFAULT_CUSTOMERS, SeedRefused, default_product_count, seed_demo
from kasse.demo.shop import DEMO_ORGANIZATION_NAME


class Command(BaseCommand):
    help = (
        f"Create the demo organization “{DEMO_ORGANIZATION_NAME}” (two stores, employees with PINs, "
        "over 300 products, customers), or add generated products and customers to an organization."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--products",
            type=int,
            default=None,
            metavar="N",
            help=f"products to create (default: the demo assortment of {default_product_count()}); "
            "beyond that, generated products are bulk-inserted (100000 takes about a minute)",
        )
        parser.add_argument(
            "--customers",
            type=int,
            default=DEFAULT_CUSTOMERS,
            metavar="N",
            help=f"customers to create (default {DEFAULT_CUSTOMERS})",
        )
        parser.add_argument(
            "--organization",
            metavar="NAME",
            help="add to the organization with this name, or create the demo shop under this name",
        )
        parser.add_argument(
            "--force", action="store_true", help="create another copy of the demo organization if it already exists"
        )
        parser.add_argument(
            "--sales",
            type=int,
            default=None,
            metavar="N",
            help="add N sales (about 5 lines each) over two years and three stores to the organization "
            "(the demo shop, created first if missing), through PostgreSQL's COPY; for benchmarks",
        )
        parser.add_argument("--seed", type=int, default=None, help="random seed of --sales (same seed, same sales)")

    def handle(self, *args: Any, **options: Any) -> None:
        for option in ("products", "customers", "sales"):
            if options[option] is not None and options[option] < 0:
                raise CommandError(f"--{option} must be 0 or more.")
        if options["sales"] is not None:
            self._seed_sales(options)
            return
        try:
            result = seed_demo(
                organization_name=options["organization"],
                products=options["products"],
                customers_count=options["customers"],
                force=options["force"],
                progress=lambda message: self.stdout.write(message),
            )
        except SeedRefused as exc:
            raise CommandError(str(exc)) from exc
        verb = "Created" if result.created_organization else "Added to"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} “{result.organization.name}”: {result.products} products, "
                f"{result.customers} customers in {result.seconds:.1f} s."
            )
        )

    def _seed_sales(self, options: dict[str, Any]) -> None:
        from django.utils import translation
        from django_scopes import scopes_disabled

        from kasse.demo.sales import SalesSeedRefused, seed_sales
        from kasse.demo.shop import find_demo_organization

        name = options["organization"] or DEMO_ORGANIZATION_NAME
        with translation.override("de"), scopes_disabled():
            organization = find_demo_organization(name)
            if organization is None:
                self.stdout.write(f"“{name}” does not exist yet: creating the demo shop first …")
                organization = seed_demo(
                    organization_name=options["organization"],
                    progress=lambda message: self.stdout.write(message),
                ).organization
            try:
                result = seed_sales(
                    organization,
                    options["sales"],
                    seed=options["seed"],
                    progress=lambda message: self.stdout.write(message),
                )
            except SalesSeedRefused as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {result.sales:,} sales ({result.returns:,} returned, {result.lines:,} lines) in "
                f"{result.stores} stores to “{organization.name}” in {result.seconds:.1f} s "
                f"({result.per_second:,.0f} sales/s)."
            )
        )
