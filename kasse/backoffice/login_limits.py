"""Back-office login throttling: failed logins counted per account and per address.

The counts live in the database (:mod:`kasse.core.throttle`), so every worker
process sees the same ones. A correct password clears its account's count,
never the address's (an attacker with an account of their own must not be able
to reset the count of the address they guess from). Reaching the account limit
is written to the audit log of every organization the account belongs to.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.throttle import Limit

log = logging.getLogger(__name__)

PER_ACCOUNT = Limit("login-account", 5, timedelta(minutes=15))
PER_ADDRESS = Limit("login-address", 20, timedelta(minutes=15))


def login_wait(email: str, address: str) -> int:
    """Seconds until this account may be tried again from this address (0: now)."""
    return max(PER_ACCOUNT.retry_after(email), PER_ADDRESS.retry_after(address))


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed logins. Please try again in %(minutes)s minute.",
        "Too many failed logins. Please try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


@transaction.atomic
def record_failed_login(*, email: str, address: str) -> None:
    """Count a wrong password (or unknown address); audit the account's lockout when it starts."""
    from kasse.tenancy.models import Employee

    account_locked = PER_ACCOUNT.note(email)
    if PER_ADDRESS.note(address):
        log.warning("back-office logins from %s blocked after %d failures", address, PER_ADDRESS.limit)
    if not account_locked:
        return
    log.warning("back-office login of %s locked after %d failures (last from %s)", email, PER_ACCOUNT.limit, address)
    with scopes_disabled():
        employees = list(Employee.objects.filter(user__email=email).select_related("user"))
    for employee in employees:
        log_action(
            employee.organization_id,
            Actor.system(_("login limit")),
            "backoffice.login.locked",
            employee.user,
            {
                "email": email,
                "address": address,
                "failures": PER_ACCOUNT.limit,
                "minutes": int(PER_ACCOUNT.window.total_seconds() // 60),
            },
        )


def record_successful_login(*, email: str) -> None:
    PER_ACCOUNT.clear(email)
