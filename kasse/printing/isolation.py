"""Tenant-isolation cases for the printer pages and the register's print actions."""

from __future__ import annotations

from typing import Any

from django_scopes import scopes_disabled

from kasse.testing.factories import StoreFactory
from kasse.testing.isolation import IsolationCase


def _printer_obj(org: Any) -> Any:
    from kasse.printing.models import Printer

    store = StoreFactory(organization=org)
    with scopes_disabled():
        return Printer.objects.create(organization=org, store=store, name="Bon", host="127.0.0.1", port=9)


def _printer(org: Any) -> dict[str, Any]:
    return {"printer_id": _printer_obj(org).pk}


def _virtual(org: Any) -> dict[str, Any]:
    return {"printer_id": _printer_obj(org).pk, "number": 1}


def _store(org: Any) -> dict[str, Any]:
    return {"store_id": StoreFactory(organization=org).pk}


def _job(org: Any) -> dict[str, Any]:
    from kasse.printing.models import JobStatus, PrintJob

    printer = _printer_obj(org)
    with scopes_disabled():
        job = PrintJob.objects.create(
            organization=org, printer=printer, kind="test", status=JobStatus.FAILED, payload=b"x"
        )
    return {"job_id": job.pk}


def _sale(org: Any) -> dict[str, Any]:
    from kasse.register.isolation import _sale as sale

    return sale(org)


def _closed_shift(org: Any) -> dict[str, Any]:
    from kasse.register.isolation import _closed_shift as closed

    return closed(org)


CASES = [
    IsolationCase("printing:printer-create", _store, methods=("get", "post"), data={"name": "X"}),
    IsolationCase("printing:printer-edit", _printer, methods=("get", "post"), data={"name": "X"}),
    IsolationCase("printing:printer-test", _printer, methods=("post",)),
    IsolationCase("printing:virtual-picture", _virtual),
    IsolationCase("printing:job-retry", _job, methods=("post",)),
    IsolationCase("printing-register:reprint", _sale, methods=("post",), caller="register"),
    IsolationCase("printing-register:z-report", _closed_shift, methods=("post",), caller="register"),
    IsolationCase("printing-register:retry", _job, methods=("post",), caller="register"),
]
