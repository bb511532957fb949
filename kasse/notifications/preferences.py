"""Saving a user's notification choices and marking notifications read (the centre's writes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from kasse.notifications.centre import CAPABILITY, DEFAULT_EMAIL, DEFAULT_NO_PUSH, DEFAULT_ON, push_count
from kasse.notifications.models import Notification, NotificationPreference


def preference_rows(user: Any, organization: Any, store: Any) -> list[dict[str, Any]]:
    """One row per event a user may choose: what applies now in ``store`` (None: all their stores)."""
    with scope(organization=organization):
        prefs = {
            (p.kind, p.store_id): p for p in NotificationPreference.objects.filter(user=user, organization=organization)
        }
    rows = []
    for kind in CAPABILITY:
        pref = prefs.get((kind, getattr(store, "pk", None))) or (prefs.get((kind, None)) if store else None)
        in_app = pref.in_app if pref else kind in DEFAULT_ON
        rows.append(
            {
                "kind": kind,
                "in_app": in_app,
                "push": pref.push if pref and pref.push is not None else in_app and kind not in DEFAULT_NO_PUSH,
                "email": pref.email if pref else kind in DEFAULT_EMAIL,
                "min_amount": pref.min_amount if pref else None,
            }
        )
    return rows


def save_preferences(*, user: Any, organization: Any, store: Any, rows: list[dict[str, Any]]) -> None:
    """Store the user's choices for ``store`` (None: every store they may see). Only the user changes their
    own choices (no audit entry: nothing of the shop's books changes)."""
    with scope(organization=organization), transaction.atomic():
        for row in rows:
            if row["kind"] not in CAPABILITY:
                continue
            minimum = row.get("min_amount")
            NotificationPreference.objects.update_or_create(
                user=user,
                organization=organization,
                store=store,
                kind=row["kind"],
                defaults={
                    "in_app": bool(row.get("in_app")),
                    "push": bool(row["push"]) if "push" in row else None,
                    "email": bool(row.get("email")),
                    "min_amount": Decimal(str(minimum)) if minimum not in (None, "") else None,
                },
            )


def mark_all_read(*, user: Any, organization: Any) -> int:
    with scope(organization=organization):
        changed = Notification.objects.filter(user=user, organization=organization, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    transaction.on_commit(lambda: push_count(user.pk, organization.pk))
    return changed
