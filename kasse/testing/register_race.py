"""Real parallel requests against a cloud with several worker processes, for the money-under-
concurrency tests (``kasse/sales/tests/test_concurrency.py``).

The cloud is ``kasse.testing.sync_world.World`` on a fresh PostgreSQL database. This module's
command line runs inside the cloud's role (its database) and prepares what the requests race on:

    python -m kasse.testing.register_race setup N   # two unlocked registers, N receipts, N credits (JSON)
    python -m kasse.testing.register_race report    # returns per receipt, credit spent, sales (JSON)

The tests start that cloud with :func:`racing_cloud` and run the commands with :func:`in_cloud`.

Each register is a paired device (cookie) with a session in which the owner has switched in,
written straight into the database, so the tests do not depend on how the lock screen asks for a PIN.
:func:`race` sends requests from threads that start together behind a barrier.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from kasse.testing.sync_world import World

CSRF = "k" * 32  # a CSRF secret of Django's length: cookie and header carry the same value


@dataclass(frozen=True)
class Till:
    """A register as a browser holds it: its device cookie and its session."""

    token: str
    session: str

    def headers(self) -> dict[str, str]:
        from kasse.register.services.pairing import DEVICE_COOKIE

        return {
            "Cookie": f"{DEVICE_COOKIE}={self.token}; sessionid={self.session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "HX-Request": "true",
            "Accept-Language": "en",
            "Content-Type": "application/x-www-form-urlencoded",
        }


def post(base: str, till: Till, path: str, data: dict[str, str]) -> tuple[int, str]:
    """POST a form as the register does; returns status and body (also for 4xx/5xx answers)."""
    request = urllib.request.Request(  # noqa: S310 - a http:// URL of the test cloud
        base + path,
        data=urlencode(data).encode(),
        method="POST",
        headers=till.headers(),
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback URL
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode()


def race(calls: list[tuple[str, Till, str, dict[str, str]]]) -> list[tuple[int, str]]:
    """Send every call from its own thread, all released at the same moment; answers in call order."""
    barrier = threading.Barrier(len(calls))
    answers: list[tuple[int, str]] = [(0, "")] * len(calls)

    def send(index: int) -> None:
        base, till, path, data = calls[index]
        barrier.wait(timeout=30)
        answers[index] = post(base, till, path, data)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


# --- the test side: a cloud to race against -----------------------------------------------------


def in_cloud(world: World, *args: str) -> dict[str, Any]:
    """Run this module's command ``args`` inside the cloud's role; its JSON answer."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "kasse.testing.register_race", *args],
        env=world.env("cloud"),
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return dict(json.loads(done.stdout.decode().strip().splitlines()[-1]))


@contextmanager
def racing_cloud(directory: Path, *, products: int, rounds: int) -> Iterator[dict[str, Any]]:
    """A cloud on a fresh PostgreSQL database (the suite's ``TEST_DATABASE_URL``) with ``products`` products,
    prepared by ``setup rounds`` and running with two worker processes; skips the test on SQLite. Yields
    setup's answer with ``url``, the ``tills`` as :class:`Till` and the ``world``; stopped afterwards."""
    import pytest
    from django.db import connection

    from kasse.testing.sync_world import World

    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (TEST_DATABASE_URL=postgres://…): the races are about row locks "
            "between worker processes, and SQLite serializes every write"
        )
    world = World(directory, postgres_url=os.environ["TEST_DATABASE_URL"])
    try:
        world.setup_cloud(products=products)
        world.start_cloud(workers=2, wait=False)  # its three processes start while the shifts and sales are made
        info = in_cloud(world, "setup", str(rounds))
        world.wait_for_cloud()
        info["url"] = world.cloud_url()
        info["tills"] = [Till(**t) for t in info["tills"]]
        info["world"] = world
        yield info
    finally:
        world.close()


# --- the commands that run inside the cloud's role ----------------------------------------------


def _till(register: Any, employee: Any) -> dict[str, str]:
    from importlib import import_module

    from django.conf import settings

    from kasse.register.access import SESSION_ACTIVE_AT, SESSION_EMPLOYEE
    from kasse.register.models import RegisterDevice
    from kasse.register.services.pairing import _digest

    token = secrets.token_urlsafe(24)
    RegisterDevice.objects.create(
        organization=register.organization,
        register=register,
        token_digest=_digest(token),
        name=f"race {register.number}",
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_EMPLOYEE] = str(employee.pk)
    session[SESSION_ACTIVE_AT] = time.time() + 3600  # no auto-lock during the test
    session.create()
    return {"token": token, "session": str(session.session_key)}


def _setup(count: int) -> dict[str, Any]:
    from django_scopes import scope, scopes_disabled

    from kasse.catalog.models import Variant
    from kasse.core.actors import Actor
    from kasse.core.ids import uuid7
    from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, cart_total, complete_sale
    from kasse.sales.services.refunds import RefundLineInput, refund_sale
    from kasse.sales.services.shifts import open_shift
    from kasse.tenancy.models import Employee, Register
    from kasse.tenancy.services import save_register

    with scopes_disabled():
        first = Register.objects.select_related("store__organization").order_by("number").first()
        assert first is not None
        owner = Employee.objects.filter(organization=first.organization).order_by("created_at").first()
        variant = Variant.objects.filter(organization=first.organization).order_by("sku").first()
    assert owner is not None
    assert variant is not None
    store = first.store
    with scope(organization=store.organization_id):
        second = save_register(
            actor=Actor.system(), organization=store.organization, store=store, data={"name": "Kasse 2"}
        )
        actor = Actor.for_employee(owner)
        tills = []
        for register in (first, second):
            open_shift(actor=actor, register=register, employee=owner, count={"50": 10})
            tills.append(_till(register, owner))
        receipts, credits = [], []
        for index in range(2 * count):
            cart = SaleInput(id=uuid7(), lines=[LineInput(variant.pk, Decimal(1))], payments=[])
            cart.payments = [PaymentInput("cash", cart_total(first, cart))]
            sale = complete_sale(actor=actor, register=first, employee=owner, cart=cart)
            line = sale.lines.get()
            if index < count:
                receipts.append({"sale": str(sale.pk), "line": str(line.pk)})
                continue
            refund = refund_sale(
                actor=actor,
                register=first,
                employee=owner,
                original=sale,
                approver=owner,
                lines=[RefundLineInput(line.pk, Decimal(1))],
                refund_id=uuid7(),
                tender="credit",
            )
            credits.append({"refund": str(refund.pk), "amount": str(-refund.total)})
    return {"tills": tills, "receipts": receipts, "credits": credits, "variant": str(variant.pk)}


def _report() -> dict[str, Any]:
    from django.db.models import Count, Sum
    from django_scopes import scopes_disabled

    from kasse.sales.models import Payment, Sale

    with scopes_disabled():
        returns = dict(
            Sale.objects.filter(original_sale__isnull=False).values_list("original_sale").annotate(n=Count("id"))
        )
        spent = dict(
            Payment.objects.filter(method="credit", sale__kind="sale")
            .values_list("reference")
            .annotate(s=Sum("amount"))
        )
        return {
            "returns": {str(k): v for k, v in returns.items()},
            "credit_spent": {k: str(v) for k, v in spent.items()},
            "sales": Sale.objects.filter(kind="sale").count(),
        }


def main(argv: list[str]) -> None:
    import django

    django.setup()
    if argv[0] == "setup":
        print(json.dumps(_setup(int(argv[1]))))
    elif argv[0] == "report":
        print(json.dumps(_report()))
    else:
        raise SystemExit(f"unknown command {argv[0]}")


if __name__ == "__main__":
    main(sys.argv[1:])
