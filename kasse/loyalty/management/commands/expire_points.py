"""``kasse expire_points``: write the expiry of loyalty points whose time is up, for every organization with a
program that lets points expire (for a daily cron job in the cloud; running it twice a day writes once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.loyalty.models import LoyaltyProgram
from kasse.loyalty.services import expire_points
from kasse.sync.engine.local import is_node


class Command(BaseCommand):
    help = "Expire loyalty points whose time is up (cloud only; daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        if is_node():
            raise CommandError("Points expire in the cloud, not on a store node.")
        with scopes_disabled():
            programs = list(
                LoyaltyProgram.objects.filter(is_active=True, expiry_months__isnull=False).select_related(
                    "organization"
                )
            )
        customers = 0
        for program in programs:
            customers += len(expire_points(actor=Actor.system("expire_points"), organization=program.organization))
        self.stdout.write(f"Points expired for {customers} customer(s) in {len(programs)} organization(s).")
