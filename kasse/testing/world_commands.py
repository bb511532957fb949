"""The commands a sync world runs inside one role's process (``World.run``), each side only touching
its own database:

    python -m kasse.testing.world_commands setup          # cloud: shop, node pairing code, API token
    python -m kasse.testing.world_commands sell N [LINES] # node: N sales, one line printed per commit
    python -m kasse.testing.world_commands report         # either side: sales, totals, outbox (JSON)
    python -m kasse.testing.world_commands revoke         # cloud: revoke every node
    python -m kasse.testing.world_commands node-code [give-up]  # cloud: a new node pairing code for the store
    python -m kasse.testing.world_commands printer KIND PORT [LANG]  # cloud: a printer on 127.0.0.1:PORT
    python -m kasse.testing.world_commands test-page PRINTER # cloud: queue a test page
    python -m kasse.testing.world_commands labels PRINTER N  # cloud: N shelf labels of the first product
    python -m kasse.testing.world_commands print-report   # either side: print jobs and printer states (JSON)
    python -m kasse.testing.world_commands inject-feed    # cloud: feed rows a node cannot apply, and a good price
    python -m kasse.testing.world_commands node-health    # cloud: what the nodes reported (JSON)
    python -m kasse.testing.world_commands tse            # cloud: a development TSE of the node's store, its clients
    python -m kasse.testing.world_commands sell-signed N  # node: N one-line sales, each signed as the register does
    python -m kasse.testing.world_commands fiscal-report  # either side: TSE records and outages (JSON)
    python -m kasse.testing.world_commands serve          # answer report, print-report, node-health from stdin
"""

from __future__ import annotations

import json
import random
import secrets
import sys
from decimal import Decimal
from typing import Any

from kasse.testing.sync_world import PIN


def _setup(products: int) -> dict[str, Any]:
    from django_scopes import scope

    from kasse.api.tokens import create_api_token
    from kasse.catalog.services import save_product
    from kasse.core.actors import Actor
    from kasse.register.services.pairing import create_pairing_code
    from kasse.sync.cloud.services import create_node_pairing_code
    from kasse.tenancy.services import create_organization

    actor = Actor(kind="system", label="sync_world")
    owner_email, owner_password = f"owner-{secrets.token_hex(3)}@example.com", secrets.token_urlsafe(16)
    new = create_organization(
        actor=actor,
        organization={
            "name": "Sync-Laden",
            "legal_name": "Sync-Laden GmbH",
            "street": "Weg 1",
            "postal_code": "10115",
            "city": "Berlin",
            "tax_number": "30/123/45678",
        },
        store={"name": "Filiale 1", "street": "Weg 1", "postal_code": "10115", "city": "Berlin"},
        owner_email=owner_email,
        owner_password=owner_password,
        owner_name="Olga",
        owner_pin=PIN,
        email_verified=True,
    )
    rng = random.Random(7)
    with scope(organization=new.organization):
        ids = []
        for n in range(products):
            product = save_product(
                actor=actor,
                organization=new.organization,
                data={
                    "name": f"Artikel {n:03d} Größe",
                    "price": f"{rng.randint(50, 2500) / 100:.2f}",
                    "vat_class": rng.choice(["standard", "reduced"]),
                },
            )
            ids.append(str(product.pk))
        code = create_node_pairing_code(actor=actor, store=new.store)
        register_code = create_pairing_code(actor=actor, register=new.register)
        _token, secret = create_api_token(actor=actor, organization=new.organization, name="e2e")
    return {
        "code": code,
        "register_code": register_code,
        "api_token": secret,
        "products": ids,
        "organization": str(new.organization.pk),
        "register": str(new.register.pk),
        "owner_email": owner_email,
        "owner_password": owner_password,
    }


def _sell(count: int, lines: int) -> None:
    from django_scopes import scope, scopes_disabled

    from kasse.catalog.models import Variant
    from kasse.core.actors import Actor
    from kasse.core.ids import uuid7
    from kasse.sales.models import Shift
    from kasse.sales.services.checkout import LineInput, PaymentInput, SaleInput, cart_total, complete_sale
    from kasse.sales.services.shifts import open_shift
    from kasse.sync.models import NodeState
    from kasse.tenancy.models import Employee, Register

    with scopes_disabled():
        state = NodeState.objects.get()
        register = Register.objects.filter(store_id=state.store_id).order_by("number").first()
        employee = Employee.objects.exclude(pin_digest="").order_by("created_at").first()
        variants = list(Variant.objects.filter(organization_id=state.organization_id).values_list("pk", flat=True))
    if register is None or employee is None:
        raise SystemExit("the node has no register or no employee with a PIN")
    rng = random.Random()
    with scope(organization=state.organization_id):
        if not Shift.objects.filter(register=register, status="open").exists():
            open_shift(actor=Actor.for_employee(employee), register=register, employee=employee, count={"20": 5})
        for _ in range(count):
            cart = SaleInput(
                id=uuid7(),
                payments=[],
                lines=[LineInput(rng.choice(variants), Decimal(rng.randint(1, 3))) for _ in range(lines)],
            )
            cart.payments = [PaymentInput("cash", cart_total(register, cart))]
            sale = complete_sale(actor=Actor.for_employee(employee), register=register, employee=employee, cart=cart)
            print(f"sold {sale.receipt_number} {sale.total} {sale.pk}", flush=True)


def _report() -> dict[str, Any]:
    from django.db.models import Count, Sum
    from django_scopes import scopes_disabled

    from kasse.sales.models import Sale, SaleLine
    from kasse.sync.models import OutboxRecord, StoreNode, SyncAnomaly

    with scopes_disabled():
        sales = Sale.objects.aggregate(n=Count("id"), total=Sum("total"))
        numbers = sorted(Sale.objects.values_list("register_id", "receipt_number"))
        per_register: dict[str, list[int]] = {}
        for register_id, number in numbers:
            per_register.setdefault(str(register_id), []).append(number)
        return {
            "sales": sales["n"],
            "total": str(Decimal(sales["total"] or 0).quantize(Decimal("0.01"))),
            "lines": SaleLine.objects.count(),
            "numbers": per_register,
            "ids": sorted(str(i) for i in Sale.objects.values_list("id", flat=True)),
            "outbox": dict(OutboxRecord.objects.values_list("status").annotate(n=Count("id"))),
            "anomalies": SyncAnomaly.objects.count(),
            "active_nodes": sorted(
                str(pk) for pk in StoreNode.objects.filter(revoked_at__isnull=True).values_list("pk", flat=True)
            ),
        }


def _revoke() -> None:
    from django_scopes import scope, scopes_disabled

    from kasse.core.actors import Actor
    from kasse.sync.cloud.services import revoke_node
    from kasse.sync.models import StoreNode

    with scopes_disabled():
        nodes = list(StoreNode.objects.all())
    for node in nodes:
        with scope(organization=node.organization_id):
            revoke_node(actor=Actor(kind="system", label="sync_world"), node=node)


def _node_code(give_up: bool) -> dict[str, Any]:
    from django_scopes import scope, scopes_disabled

    from kasse.sync.cloud.services import create_node_pairing_code
    from kasse.tenancy.models import Store

    with scopes_disabled():
        store = Store.objects.order_by("number").first()
    assert store is not None
    with scope(organization=store.organization_id):
        code = create_node_pairing_code(actor=_owner_actor(), store=store, give_up_waiting=give_up)
    return {"code": code}


def _owner_actor() -> Any:
    from kasse.core.actors import Actor

    return Actor(kind="user", label="owner (sync_world)")


def _printer(kind: str, port: int, language: str) -> dict[str, Any]:
    from django_scopes import scope, scopes_disabled

    from kasse.printing.services import save_printer
    from kasse.tenancy.models import Store

    with scopes_disabled():
        store = Store.objects.order_by("number").first()
    assert store is not None
    with scope(organization=store.organization_id):
        printer = save_printer(
            actor=_owner_actor(),
            store=store,
            data={
                "name": f"Virtuell {kind}",
                "kind": kind,
                "connection": "tcp",
                "host": "127.0.0.1",
                "port": port,
                "profile": "generic-58",
                "label_language": language,
                "label_width_mm": Decimal(50),
                "label_height_mm": Decimal(30),
            },
        )
    return {"printer": str(printer.pk)}


def _test_page(printer_id: str) -> dict[str, Any]:
    from django_scopes import scope, scopes_disabled

    from kasse.printing.models import Printer
    from kasse.printing.services import enqueue_test_page

    with scopes_disabled():
        printer = Printer.objects.get(pk=printer_id)
    with scope(organization=printer.organization_id):
        job = enqueue_test_page(actor=_owner_actor(), printer=printer, language="de")
    return {"job": str(job.pk), "on_node": job.on_node}


def _labels(printer_id: str, copies: int) -> dict[str, Any]:
    from django_scopes import scope, scopes_disabled

    from kasse.catalog.models import Variant
    from kasse.printing.documents import LabelRequest
    from kasse.printing.models import Printer
    from kasse.printing.services import enqueue_labels

    with scopes_disabled():
        printer = Printer.objects.get(pk=printer_id)
        variant = Variant.objects.select_related("product").order_by("product__name").first()
    if variant is None:
        raise SystemExit("the cloud has no products")
    with scope(organization=printer.organization_id):
        job = enqueue_labels(
            actor=_owner_actor(),
            printer=printer,
            requests=[LabelRequest(variant, copies)],
            width_mm=printer.label_width_mm,
            height_mm=printer.label_height_mm,
        )
    return {"job": str(job.pk), "on_node": job.on_node, "product": variant.product.name}


def _print_report() -> dict[str, Any]:
    from django_scopes import scopes_disabled

    from kasse.printing.models import PrinterState, PrintJob

    with scopes_disabled():
        jobs = {
            str(j.pk): {
                "status": j.status,
                "error": j.error,
                "on_node": j.on_node,
                "attempts": j.attempts,
                "kind": j.kind,
            }
            for j in PrintJob.objects.defer("payload")
        }
        states = {
            str(s.printer_id): {
                "health": s.health,
                "reachable": s.reachable,
                "paper_out": s.paper_out,
                "checked_at": s.checked_at.isoformat() if s.checked_at else None,
            }
            for s in PrinterState.objects.all()
        }
    return {"jobs": jobs, "states": states}


def _inject_feed() -> dict[str, Any]:
    """Three feed events this version cannot apply (a column from a newer cloud, an unknown table, a value
    of the wrong type), then an ordinary price change behind them."""
    from django.db import transaction
    from django_scopes import scope, scopes_disabled

    from kasse.catalog.models import Product
    from kasse.catalog.services import save_product
    from kasse.sync.engine.changes import _reserve
    from kasse.sync.engine.registry import encode_row
    from kasse.sync.models import ChangeEvent

    with scopes_disabled():
        products = list(Product.objects.order_by("name")[:2])
    newer, good = products
    organization_id = newer.organization_id
    with scopes_disabled(), transaction.atomic():
        first = _reserve(organization_id, 3)
        future = {**encode_row(newer), "colour": "brown"}
        wrong = {**encode_row(newer), "price": "zwei Euro"}
        for offset, (model, object_id, row) in enumerate(
            [
                ("catalog.Product", str(newer.pk), future),
                ("loyalty.Stamp", str(newer.pk), {"id": str(newer.pk)}),
                ("catalog.Product", str(newer.pk), wrong),
            ]
        ):
            ChangeEvent.objects.create(
                organization_id=organization_id, seq=first + offset, model=model, object_id=object_id, row=row
            )
    with scope(organization=organization_id):
        save_product(actor=_owner_actor(), organization=good.organization, product=good, data={"price": "7.77"})
    return {"good_product": str(good.pk)}


def _node_health() -> dict[str, Any]:
    from django_scopes import scopes_disabled

    from kasse.sync.models import StoreNode

    with scopes_disabled():
        return {
            str(n.pk): {
                "failing": n.failing,
                "last_error": n.last_error,
                "set_aside": n.set_aside,
                "backlog": n.last_backlog,
                "last_push_at": bool(n.last_push_at),
                "last_pull_at": bool(n.last_pull_at),
                "version": n.version,
            }
            for n in StoreNode.objects.all()
        }


def _tse() -> dict[str, Any]:
    from django_scopes import scope, scopes_disabled

    from kasse.fiscal.services import create_development_tse, register_tse_client
    from kasse.sync.models import StoreNode
    from kasse.tenancy.models import Register

    with scopes_disabled():
        node = StoreNode.objects.filter(revoked_at__isnull=True).select_related("store").get()
    with scope(organization=node.organization_id):
        device = create_development_tse(organization=node.organization_id, actor=_owner_actor(), store=node.store)
        for register in Register.objects.filter(store_id=node.store_id):
            register_tse_client(register=register, actor=_owner_actor())
    return {"device": str(device.pk), "public_key": device.public_key}


def _sell_signed(count: int) -> None:
    from django_scopes import scopes_disabled

    from kasse.sales.fiscal_signing import sign_sale
    from kasse.sales.models import Sale

    before = set()
    with scopes_disabled():
        before = set(Sale.objects.values_list("pk", flat=True))
    _sell(count, 1)
    with scopes_disabled():
        sales = list(Sale.objects.exclude(pk__in=before).order_by("receipt_number"))
    for sale in sales:
        result = sign_sale(sale)
        print(f"tse {sale.receipt_number} {type(result).__name__}", flush=True)


def _fiscal_report() -> dict[str, Any]:
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from kasse.fiscal.models import TseDevice, TseOutage, TseTransactionRecord

    with scopes_disabled():
        return {
            "records": dict(TseTransactionRecord.objects.values_list("outcome").annotate(n=Count("id"))),
            "counters": sorted(
                TseTransactionRecord.objects.filter(outcome="signed").values_list("signature_counter", flat=True)
            ),
            "outages": [
                {"reason": o.reason, "ended": o.ended_at is not None, "detail": o.detail}
                for o in TseOutage.objects.order_by("started_at")
            ],
            "device_secrets": [bool(d.dev_private_key) for d in TseDevice.objects.all()],
        }


# Reads that tests poll: a World answers them from one long-lived process per role (``serve``) instead of
# starting Python and Django for each poll. Also the cloud's writes (``setup``, the first thing every World
# does in its cloud database, a node code, a printer, a print job, feed rows, revoking): the cloud keeps no
# state per process that they depend on, and a Django start costs about a CPU second. The node's sales
# (``sell``) are served too, by a process of their own that ``World`` ends whenever the node is killed,
# paired again or restored: a store node's process keeps state per process (its hybrid clock's origin) that
# the next node must not inherit. What signs (``sell-signed``, ``tse``: fiscal credentials) runs in a process
# of its own.
SERVED = frozenset(
    {
        "report",
        "print-report",
        "node-health",
        "fiscal-report",
        "setup",
        "revoke",
        "node-code",
        "printer",
        "test-page",
        "labels",
        "inject-feed",
        "sell",
    }
)


def _serve() -> None:
    """Answer commands read from stdin (a JSON list of arguments a line) with one JSON line each on stdout:
    ``{"out": what the command printed, "error": its traceback or ""}``. Only the commands in ``SERVED``; the
    database connections are closed after each, so that every answer reads the database as it is then."""
    import contextlib
    import io
    import traceback

    from django.db import connections

    answer_to = sys.stdout
    for line in sys.stdin:
        argv = json.loads(line)
        printed, error = io.StringIO(), ""
        try:
            if not argv or argv[0] not in SERVED:
                raise ValueError(f"not a served read: {argv}")
            with contextlib.redirect_stdout(printed):
                _run(argv)
        except (Exception, SystemExit):  # noqa: BLE001 - the caller raises it with the traceback
            error = traceback.format_exc()
        finally:
            connections.close_all()
        answer_to.write(json.dumps({"out": printed.getvalue(), "error": error}) + "\n")
        answer_to.flush()


def main(argv: list[str]) -> None:
    import django

    django.setup()
    if argv[0] == "serve":
        _serve()
    else:
        _run(argv)
    _exit_at_once()


def _exit_at_once() -> None:
    """Done: end the process without the interpreter's finalisation, which takes seconds on a loaded machine for
    a process with Django and every app loaded (a World's teardown waited for it twice). What a normal exit
    waits for is still waited for: other threads, the ``atexit`` handlers, the database connections, output."""
    import atexit
    import os
    import threading

    from django.db import connections

    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    connections.close_all()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _run(argv: list[str]) -> None:
    command = argv[0]
    if command == "setup":
        print(json.dumps(_setup(int(argv[1]) if len(argv) > 1 else 20)))
    elif command == "sell":
        _sell(int(argv[1]), int(argv[2]) if len(argv) > 2 else 5)
    elif command == "report":
        print(json.dumps(_report()))
    elif command == "revoke":
        _revoke()
    elif command == "node-code":
        print(json.dumps(_node_code(argv[1:] == ["give-up"])))
    elif command == "printer":
        print(json.dumps(_printer(argv[1], int(argv[2]), argv[3] if len(argv) > 3 else "tspl")))
    elif command == "test-page":
        print(json.dumps(_test_page(argv[1])))
    elif command == "labels":
        print(json.dumps(_labels(argv[1], int(argv[2]))))
    elif command == "print-report":
        print(json.dumps(_print_report()))
    elif command == "inject-feed":
        print(json.dumps(_inject_feed()))
    elif command == "node-health":
        print(json.dumps(_node_health()))
    elif command == "tse":
        print(json.dumps(_tse()))
    elif command == "sell-signed":
        _sell_signed(int(argv[1]))
    elif command == "fiscal-report":
        print(json.dumps(_fiscal_report()))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
