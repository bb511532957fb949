"""Setting up a fiskaly SIGN DE v2 TSS and its clients (one per register).

fiskaly's steps: create the TSS (``PUT /tss/{id}``, answers the admin PUK once), personalise it
(``PATCH`` state ``UNINITIALIZED``), set the admin PIN with the PUK (``PATCH /tss/{id}/admin``), log
in as admin (``POST /tss/{id}/admin/auth``), initialise (``PATCH`` state ``INITIALIZED``), register
clients (``PUT /tss/{id}/client/{client_id}`` with the register's serial number), log out
(``POST /tss/{id}/admin/logout``). Every step can be repeated: a set-up interrupted anywhere is
finished by running it again. The PUK is stored (encrypted) the moment fiskaly hands it out, in
its own transaction, because fiskaly never shows it again. Network calls happen outside any database
transaction.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.fiscal import crypto
from kasse.fiscal.models import Backend, DeviceState, TseClientRegistration, TseDevice
from kasse.fiscal.services import FiscalSetupError, device_for_store, register_tse_client
from kasse.fiscal.tse.fiskaly import FiskalyTse, info_from_tss
from kasse.fiscal.tse.fiskaly_api import FiskalyApi
from kasse.fiscal.tse.interface import TseRefused
from kasse.sync.engine.changes import record as record_change
from kasse.tenancy.models import Register, Store


def provision_tss(
    api: FiskalyApi, tss_id: uuid.UUID, admin_pin: str, known_puk: str, keep_puk: Callable[[str], None]
) -> dict[str, Any]:
    """Walk the TSS from wherever it is to ``INITIALIZED``; the TSS as fiskaly then describes it."""
    path = f"/tss/{tss_id}"
    try:
        tss = api.request("PUT", path, {}, kind="setup")
    except TseRefused as exc:
        if exc.status != 409:
            raise
        tss = api.request("GET", path, kind="setup")  # created by an earlier, interrupted set-up
    puk = str(tss.get("admin_puk") or known_puk)
    if tss.get("admin_puk"):
        keep_puk(puk)
    if tss.get("state") == "CREATED":
        tss = api.request("PATCH", path, {"state": "UNINITIALIZED"}, kind="setup")
    if tss.get("state") == "UNINITIALIZED":
        if not puk:
            raise TseRefused("the TSS's admin PUK is not known: it cannot be initialised", code="E_NO_PUK")
        api.request("PATCH", f"{path}/admin", {"admin_puk": puk, "new_admin_pin": admin_pin}, kind="setup")
        api.request("POST", f"{path}/admin/auth", {"admin_pin": admin_pin}, kind="setup")
        tss = api.request("PATCH", path, {"state": "INITIALIZED"}, kind="setup")
        api.request("POST", f"{path}/admin/logout", {}, kind="setup")
    if tss.get("state") != "INITIALIZED":
        raise TseRefused(f"the TSS is {tss.get('state')}, not INITIALIZED", code="E_TSS_STATE")
    return api.request("GET", path, kind="setup")


def register_client(
    api: FiskalyApi, tss_id: uuid.UUID, client_id: str, serial_number: str, admin_pin: str
) -> dict[str, Any]:
    """Register a client (as admin; fiskaly wants the admin logged in for it)."""
    path = f"/tss/{tss_id}"
    api.request("POST", f"{path}/admin/auth", {"admin_pin": admin_pin}, kind="setup")
    try:
        client = api.request("PUT", f"{path}/client/{client_id}", {"serial_number": serial_number}, kind="setup")
    except TseRefused as exc:
        if exc.status != 409:
            raise
        client = api.request("GET", f"{path}/client/{client_id}", kind="setup")
    finally:
        api.request("POST", f"{path}/admin/logout", {}, kind="setup")
    if client.get("serial_number") != serial_number or client.get("state") != "REGISTERED":
        raise TseRefused(f"client {client_id} is {client.get('state')} with another serial number", code="E_CLIENT")
    return client


# -- services --------------------------------------------------------------------------------------
@tenant_service
def create_fiskaly_tse(
    *,
    organization: object,
    actor: Actor,
    api_key: str,
    api_secret: str,
    store: Store | None = None,
    name: str = "fiskaly TSE",
) -> TseDevice:
    """Record a fiskaly TSS to be set up (credentials of the fiskaly organization, encrypted)."""
    if not api_key.strip() or not api_secret.strip():
        raise FiscalSetupError(_("fiskaly needs an API key and its secret"))
    device = TseDevice.objects.create(
        organization_id=getattr(organization, "pk", organization),
        store=store,
        name=name,
        backend=Backend.FISKALY,
        fiskaly_tss_id=uuid.uuid4(),
        fiskaly_api_key=api_key.strip(),
        fiskaly_api_secret=crypto.encrypt(api_secret),
        fiskaly_admin_pin=crypto.encrypt(f"{secrets.randbelow(10**10):010d}"),
    )
    record_change("tse_device", [device])
    log_action(device.organization_id, actor, "fiscal.tse.created", device, {"backend": device.backend})
    return device


def set_up_fiskaly_tse(*, device: TseDevice, actor: Actor) -> TseDevice:
    """Create, personalise and initialise the device's TSS at fiskaly; then the device is ready."""
    if device.backend != Backend.FISKALY or device.state != DeviceState.NEW:
        raise FiscalSetupError(_("only a new fiskaly TSE can be set up"))
    backend = FiskalyTse.for_device(device)

    def keep_puk(puk: str) -> None:
        with scope(organization=device.organization_id), transaction.atomic(durable=True):
            TseDevice.objects.filter(pk=device.pk).update(fiskaly_admin_puk=crypto.encrypt(puk))

    with scope(organization=device.organization_id):
        stored = TseDevice.objects.get(pk=device.pk)
    assert device.fiskaly_tss_id is not None  # for_device refused otherwise
    tss = provision_tss(
        backend.api,
        device.fiskaly_tss_id,
        crypto.decrypt(stored.fiskaly_admin_pin),
        crypto.decrypt(stored.fiskaly_admin_puk),
        keep_puk,
    )
    info = info_from_tss(tss)
    with scope(organization=device.organization_id), transaction.atomic():
        device = TseDevice.objects.select_for_update().get(pk=device.pk)
        device.serial_number, device.public_key = info.serial_number, info.public_key
        device.signature_algorithm, device.time_format = info.signature_algorithm, info.time_format.value
        device.certificate, device.certificate_expires_at = info.certificate_pem, info.certificate_expires_at
        device.state = DeviceState.READY
        device.save()
        record_change("tse_device", [device])
        log_action(
            device.organization_id,
            actor,
            "fiscal.tse.set_up",
            device,
            {"serial_number": device.serial_number, "tss_id": str(device.fiskaly_tss_id)},
        )
    return device


def register_fiskaly_client(*, register: Register, actor: Actor) -> TseClientRegistration:
    """Register the register as a client of its store's fiskaly TSS (its id: the register's id)."""
    with scope(organization=register.organization_id):
        device = device_for_store(register.store)
    if device is None or device.backend != Backend.FISKALY or device.state != DeviceState.READY:
        raise FiscalSetupError(_("no fiskaly TSE is set up for this store"))
    assert device.fiskaly_tss_id is not None
    backend = FiskalyTse.for_device(device)
    register_client(
        backend.api,
        device.fiskaly_tss_id,
        str(register.pk),
        register.serial_number,
        crypto.decrypt(device.fiskaly_admin_pin),
    )
    return register_tse_client(register=register, actor=actor)
