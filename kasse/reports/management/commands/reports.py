"""``kasse reports rebuild``: compute a store's report sums again from its receipts (after a time zone
change, or to check them); ``kasse reports refresh``: compute what is marked, for every organization."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope, scopes_disabled

from kasse.reports import aggregates
from kasse.tenancy.models import Store


class Command(BaseCommand):
    help = "Keep the report sums: rebuild a store's sums from its receipts, or refresh what is marked."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "refresh"])
        parser.add_argument("--store", help="the store's id (rebuild: required unless --all)")
        parser.add_argument("--all", action="store_true", help="rebuild every store of every organization")

    def handle(self, *args: Any, **options: Any) -> None:
        with scopes_disabled():
            if options["action"] == "refresh":
                organizations = set(Store.objects.values_list("organization_id", flat=True))
                days = 0
                for organization_id in organizations:
                    with scope(organization=organization_id):
                        days += aggregates.refresh(organization_id)
                self.stdout.write(f"{days} store-days computed")
                return
            if options["all"]:
                organizations = set(Store.objects.values_list("organization_id", flat=True))
                store_ids = None
            elif options["store"]:
                organizations = set(Store.objects.filter(pk=options["store"]).values_list("organization_id", flat=True))
                if not organizations:
                    raise CommandError("No store with this id.")
                store_ids = [options["store"]]
            else:
                raise CommandError("Name a store with --store ID, or --all.")
            for organization_id in organizations:
                with scope(organization=organization_id):
                    days = aggregates.rebuild_organization(organization_id, store_ids)
                self.stdout.write(f"{days} store-days computed")
