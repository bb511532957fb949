"""The fiscal services: set up TSEs and register clients, and sign a register's transactions.

Every TSE call is made *outside* the caller's database transaction and its answer is stored in a
transaction of its own (``atomic(durable=True)``): a TSE keeps what it signed whatever happens to
the sale, so kasse keeps it too. A call never raises into the caller: a failure is recorded (an
unsigned :class:`~kasse.fiscal.models.TseTransactionRecord`, and a :class:`TseOutage` opened for
the register) and returned as :class:`Unsigned`, and the register sells on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.fiscal.models import (
    Backend,
    DeviceState,
    OutageReason,
    Outcome,
    TseClientRegistration,
    TseDevice,
    TseOutage,
    TseTransactionRecord,
)
from kasse.fiscal.tse.interface import Operation, Receipt, TseBackend, TseClient, TseLog, TseRefused, TseUnavailable
from kasse.sync.engine.changes import record as record_change
from kasse.sync.engine.local import is_node
from kasse.tenancy.models import Register, Store

logger = logging.getLogger(__name__)


class FiscalSetupError(ValueError):
    """A TSE cannot be set up or a register not registered as asked (translated message)."""


def exportable_device(organization: Any, store: Store | None) -> TseDevice | None:
    """The TSE whose export a store's records need: the store's own, else (or with ``store`` None) the
    organization-wide one; set up (not new), the one in use before retired ones."""
    devices = TseDevice.objects.filter(organization=organization).exclude(state=DeviceState.NEW)
    ordered = ("state", "-created_at")  # "ready" sorts before "retired"
    own = devices.filter(store=store).order_by(*ordered).first() if store is not None else None
    return own or devices.filter(store__isnull=True).order_by(*ordered).first()


def backend_for(device: TseDevice) -> TseBackend:
    """The backend object that talks to ``device``. On a store node its secrets come from the cloud
    (:mod:`kasse.fiscal.node_credentials`: in memory only; the replica's row has none)."""
    secrets: dict[str, str] | None = None
    if is_node():
        from kasse.fiscal.node_credentials import credentials_for

        secrets = credentials_for(device)
    if device.backend == Backend.DEVELOPMENT:
        from kasse.fiscal.tse.development import DevelopmentTse

        return DevelopmentTse(device, private_key_pem=secrets.get("dev_private_key") if secrets else None)
    if device.backend == Backend.FISKALY:
        from kasse.fiscal.tse.fiskaly import FiskalyTse

        if secrets is not None:
            return FiskalyTse.for_device(
                device, api_key=secrets.get("fiskaly_api_key", ""), api_secret=secrets.get("fiskaly_api_secret", "")
            )
        return FiskalyTse.for_device(device)
    raise FiscalSetupError(f"unknown TSE backend {device.backend!r}")


# -- set-up --------------------------------------------------------------------------------------
@tenant_service
def create_development_tse(
    *, organization: object, actor: Actor, store: Store | None = None, name: str = "Entwicklungs-TSE"
) -> TseDevice:
    """A development TSE for one store (or all), ready at once. Refused with ``KASSE_ENV=production``."""
    from kasse.fiscal.tse.development import new_key_material

    device = TseDevice.objects.create(
        organization_id=getattr(organization, "pk", organization),
        store=store,
        name=name,
        backend=Backend.DEVELOPMENT,
        state=DeviceState.READY,
        **new_key_material(),
    )
    record_change("tse_device", [device])
    log_action(
        device.organization_id,
        actor,
        "fiscal.tse.created",
        device,
        {"backend": device.backend, "serial_number": device.serial_number},
    )
    return device


@tenant_service
def register_tse_client(*, register: Register, actor: Actor) -> TseClientRegistration:
    """Make ``register`` a client of the TSE responsible for its store (development TSE: at once;
    fiskaly: :func:`kasse.fiscal.fiskaly_setup.register_fiskaly_client` does the remote part first)."""
    device = device_for_store(register.store)
    if device is None or device.state != DeviceState.READY:
        raise FiscalSetupError(_("no TSE is set up for this store"))
    existing = TseClientRegistration.objects.filter(device=device, register=register).first()
    if existing is not None:
        return existing
    registration = TseClientRegistration.objects.create(
        organization_id=register.organization_id,
        device=device,
        register=register,
        client_id=str(register.pk),  # ASCII whatever the serial number holds (TR-03151 PrintableString)
        serial_number=register.serial_number,
    )
    record_change("tse_client", [registration])
    log_action(
        register.organization_id,
        actor,
        "fiscal.tse.client_registered",
        registration,
        {"register": str(register.pk), "device": str(device.pk)},
    )
    return registration


@tenant_service
def retire_tse(*, device: TseDevice, actor: Actor) -> TseDevice:
    """Take a TSE out of use (replaced, broken, or the store closed): it signs nothing from now on and is
    kept, with what it signed, for the export. A retired TSE never comes back (set up a new one)."""
    device = TseDevice.objects.select_for_update().get(pk=device.pk)
    if device.state == DeviceState.RETIRED:
        return device
    device.state = DeviceState.RETIRED
    device.save(update_fields=["state", "updated_at"])
    record_change("tse_device", [device])
    log_action(
        device.organization_id,
        actor,
        "fiscal.tse.retired",
        device,
        {"backend": device.backend, "serial_number": device.serial_number},
        store=device.store_id,
    )
    return device


def device_for_store(store: Store) -> TseDevice | None:
    """The store's own TSE, else the organization's TSE for all stores (retired ones never).

    On a store node an organization-wide *development* TSE does not count: its counters are one device's
    memory and cannot live in the cloud and on a node at once, so a store with a node needs a development
    TSE of its own (a fiskaly TSS counts at fiskaly and may serve every store)."""
    return _device_for(store.organization_id, store.pk)


def _device_for(organization_id: UUID, store_id: UUID) -> TseDevice | None:
    """:func:`device_for_store` in one query (at most one active TSE per store and one for all stores)."""
    devices = list(
        TseDevice.objects.filter(Q(store_id=store_id) | Q(store__isnull=True), organization_id=organization_id)
        .exclude(state=DeviceState.RETIRED)
        .order_by("created_at")
    )
    own = [device for device in devices if device.store_id is not None]
    on_node = is_node()
    shared = [d for d in devices if d.store_id is None and not (on_node and d.backend == Backend.DEVELOPMENT)]
    return (own or shared)[0] if own or shared else None


def node_devices(organization_id: Any, store_id: Any) -> list[TseDevice]:
    """The TSEs a store node of ``store_id`` signs with: the store's own, and an organization-wide fiskaly
    TSS (never another store's, never an organization-wide development TSE, never a retired one)."""
    with scope(organization=organization_id):
        devices = TseDevice.objects.filter(organization_id=organization_id).exclude(state=DeviceState.RETIRED)
        return list(devices.filter(Q(store_id=store_id) | Q(store__isnull=True, backend=Backend.FISKALY)))


# -- signing -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Signed:
    """A step the TSE signed; ``record`` is the stored answer, ``registration`` the client it was signed
    as (its device loaded), so the transaction's next step can go to the same TSE without reading it again."""

    record: TseTransactionRecord
    log: TseLog
    registration: TseClientRegistration | None = None


@dataclass(frozen=True)
class Unsigned:
    """A step that could not be signed; the receipt says "Sicherheitseinrichtung ausgefallen"."""

    record: TseTransactionRecord
    reason: str
    detail: str


SignResult = Signed | Unsigned


def _registration(register: Register) -> TseClientRegistration | None:
    device = _device_for(register.organization_id, register.store_id)
    if device is None:
        return None
    registration = TseClientRegistration.objects.filter(device=device, register=register).first()
    if registration is not None:
        registration.device = device
    return registration


def _signed_revisions(register: Register, tx_id: UUID) -> int:
    result = TseTransactionRecord.objects.filter(register=register, tx_id=tx_id, outcome=Outcome.SIGNED).aggregate(
        last=Max("revision")
    )
    return int(result["last"] or 0)


TseCall = Callable[[TseBackend, TseClient, int], TseLog]
Then = Callable[[], object] | None  # stored with the TSE's answer, in its transaction (a receipt's print job)


def _refuse_inside_a_transaction() -> None:
    """The TSE is called outside the caller's transaction: raise ``RuntimeError`` inside one, as an empty
    ``atomic(durable=True)`` would, without opening a transaction (on SQLite: taking the write lock)."""
    connection = transaction.get_connection()
    if connection.atomic_blocks and not connection.atomic_blocks[-1]._from_testcase:
        raise RuntimeError("The TSE is called outside the caller's database transaction (docs/fiscal.md).")


def _run(
    register: Register,
    tx_id: UUID,
    operation: Operation,
    call: TseCall,
    process_type: str = "",
    process_data: str = "",
    *,
    after: Signed | None = None,
    then: Then = None,
) -> SignResult:
    """Call the TSE (``call(backend, client, revision)``) and store what came back (and ``then``'s rows,
    in the same transaction). ``after``: the transaction's last signed step, signed by this process a
    moment ago (the start at the first item): this step goes to the same TSE and client as the next
    revision, without reading them again."""
    _refuse_inside_a_transaction()
    if after is not None and operation != Operation.START and _continues(after, register, tx_id):
        registration, last = after.registration, after.record.revision
    else:
        with scope(organization=register.organization_id):
            registration = _registration(register)
            last = 0 if operation == Operation.START else _signed_revisions(register, tx_id)
    revision = 1 if operation == Operation.START else last + 1
    if registration is None:
        return _failed(
            register,
            None,
            tx_id,
            revision,
            operation,
            OutageReason.NOT_CONFIGURED,
            "no TSE client is registered for this register",
            process_type,
            process_data,
            then,
        )
    if operation != Operation.START and last == 0:
        # Never sign the end of a transaction whose start was not signed: its start time would be wrong.
        return _failed(
            register,
            registration.device,
            tx_id,
            revision,
            operation,
            OutageReason.UNREACHABLE,
            "the transaction's start was not signed",
            process_type,
            process_data,
            then,
        )
    client = TseClient(registration.client_id, registration.serial_number)
    try:
        backend = backend_for(registration.device)
        log = call(backend, client, revision)
    except TseUnavailable as exc:
        return _failed(
            register,
            registration.device,
            tx_id,
            revision,
            operation,
            OutageReason.UNREACHABLE,
            str(exc),
            process_type,
            process_data,
            then,
        )
    except TseRefused as exc:
        return _failed(
            register,
            registration.device,
            tx_id,
            revision,
            operation,
            OutageReason.REFUSED,
            str(exc),
            process_type,
            process_data,
            then,
        )
    except Exception as exc:  # a TSE fault never stops the register: recorded, logged, sold on
        logger.exception("TSE %s of %s failed unexpectedly", operation.value, tx_id)
        return _failed(
            register,
            registration.device,
            tx_id,
            revision,
            operation,
            OutageReason.REFUSED,
            f"{type(exc).__name__}: {exc}",
            process_type,
            process_data,
            then,
        )
    return _signed(register, registration, log, then)


def _continues(after: Signed, register: Register, tx_id: UUID) -> bool:
    """Whether ``after`` is a signed step of ``tx_id`` on ``register`` whose client is known."""
    record = after.record
    return (
        after.registration is not None
        and record.tx_id == tx_id
        and record.register_id == register.pk
        and record.outcome == Outcome.SIGNED
    )


def _signed(register: Register, registration: TseClientRegistration, log: TseLog, then: Then = None) -> Signed:
    device = registration.device
    with scope(organization=register.organization_id), transaction.atomic(durable=True):
        record, created = _create_signed_record(
            organization_id=register.organization_id,
            device=device,
            register=register,
            tx_id=log.tx_id,
            revision=log.revision,
            operation=log.operation.value,
            outcome=Outcome.SIGNED,
            process_type=log.process_type,
            process_data=log.process_data,
            transaction_number=log.transaction_number,
            signature_counter=log.signature_counter,
            signature=log.signature,
            signature_algorithm=device.signature_algorithm,
            tse_serial=device.serial_number,
            client_serial=registration.serial_number,
            time_start=log.time_start,
            time_end=log.time_end,
            log_time=log.log_time,
            log_time_format=log.log_time_format.value,
            qr_code_data=log.qr_code_data,
        )
        if created:
            record_change("tse_record", [record])
        _end_outages(register)
        _store_then(then)
    return Signed(record, log, registration)


def _create_signed_record(**fields: Any) -> tuple[TseTransactionRecord, bool]:
    """Store a signed step once; whether this call stored it. Two processes that started the same
    transaction (a cart's start in the background and again at pay, in another worker), or a step
    repeated after a lost answer, both got the TSE's one answer for the revision; the second finds the
    first's row (the unique constraint refuses a second) instead of failing."""
    try:
        with transaction.atomic():
            return TseTransactionRecord.objects.create(**fields), True
    except IntegrityError:
        return (
            TseTransactionRecord.objects.get(
                device=fields["device"], tx_id=fields["tx_id"], revision=fields["revision"], outcome=Outcome.SIGNED
            ),
            False,
        )


def _end_outages(register: Register) -> None:
    """The register signs again: its open outage ends now (written once; goes up from a node)."""
    open_ids = list(TseOutage.objects.filter(register=register, ended_at__isnull=True).values_list("pk", flat=True))
    if open_ids:
        TseOutage.objects.filter(pk__in=open_ids, ended_at__isnull=True).update(ended_at=timezone.now())
        record_change("tse_outage", list(TseOutage.objects.filter(pk__in=open_ids)))


def _failed(
    register: Register,
    device: TseDevice | None,
    tx_id: UUID,
    revision: int,
    operation: Operation,
    reason: str,
    detail: str,
    process_type: str,
    process_data: str,
    then: Then = None,
) -> Unsigned:
    now = timezone.now()
    with scope(organization=register.organization_id), transaction.atomic(durable=True):
        record = TseTransactionRecord.objects.create(
            organization_id=register.organization_id,
            device=device,
            register=register,
            tx_id=tx_id,
            revision=revision,
            operation=operation.value,
            outcome=Outcome.FAILED,
            process_type=process_type,
            process_data=process_data,
            client_serial=register.serial_number,
            error=f"{reason}: {detail}"[:2000],
        )
        record_change("tse_record", [record])
        if not TseOutage.objects.filter(register=register, ended_at__isnull=True).exists():
            outage = TseOutage.objects.create(
                organization_id=register.organization_id,
                register=register,
                device=device,
                started_at=now,
                reason=reason,
                detail=detail[:2000],
            )
            record_change("tse_outage", [outage])
        _store_then(then)
    return Unsigned(record, reason, detail)


def _store_then(then: Then) -> None:
    """Run ``then`` in a savepoint of the transaction storing the TSE's answer: whatever it fails at, the
    answer is stored (the TSE keeps what it signed, so kasse does too)."""
    if then is None:
        return
    try:
        with transaction.atomic():
            then()
    except Exception:
        logger.exception("what goes with a TSE answer could not be stored")


def start_transaction(*, register: Register, tx_id: UUID) -> SignResult:
    """Start the TSE transaction of a cart (call when its first item is entered)."""
    return _run(register, tx_id, Operation.START, lambda backend, client, _rev: backend.start(client, tx_id))


def update_transaction(*, register: Register, tx_id: UUID, process_type: str, process_data: str) -> SignResult:
    return _run(
        register,
        tx_id,
        Operation.UPDATE,
        lambda backend, client, rev: backend.update(client, tx_id, rev, process_type, process_data),
        process_type,
        process_data,
    )


def finish_transaction(
    *, register: Register, tx_id: UUID, receipt: Receipt, after: Signed | None = None, then: Then = None
) -> SignResult:
    """Finish with what the receipt says (sale, return, training receipt, cash movement …). ``after``: the
    start this process signed (the same TSE and client finish it); ``then``: what to store with the
    answer, in its transaction, signed or not (the receipt's print job: queued once the TSE answered)."""
    data = receipt.process_data()
    return _run(
        register,
        tx_id,
        Operation.FINISH,
        lambda backend, client, rev: backend.finish(client, tx_id, rev, receipt),
        data.process_type,
        data.process_data,
        after=after,
        then=then,
    )


def cancel_transaction(*, register: Register, tx_id: UUID, receipt: Receipt | None = None) -> SignResult:
    """End a started transaction of a cart given up (AVBelegabbruch)."""
    from kasse.fiscal.process_data import abort

    data = receipt.process_data() if receipt is not None else abort()
    return _run(
        register,
        tx_id,
        Operation.CANCEL,
        lambda backend, client, rev: backend.cancel(client, tx_id, rev, receipt),
        data.process_type,
        data.process_data,
    )
