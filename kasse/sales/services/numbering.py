"""Gapless per-register numbers, taken inside the caller's transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from kasse.sales.models import RegisterCounter
from kasse.tenancy.models import Register


def next_number(register: Register, kind: str) -> int:
    """Hand out the next number of ``kind`` for ``register``.

    Must run inside the transaction that stores the numbered record: the
    counter row stays locked until commit, and a rollback returns the number.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that uses the number")
    if settings.KASSE_ROLE == "store":
        from kasse.sync.engine.local import require_known_positions

        require_known_positions()  # after a restore: not before the cloud said which numbers are used
    counter, _created = RegisterCounter.objects.get_or_create(
        register=register, kind=kind, defaults={"organization_id": register.organization_id}
    )
    counter = RegisterCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_value += 1
    counter.save(update_fields=["last_value", "updated_at"])
    return counter.last_value
