"""The development TSE: real ECDSA signatures with a local key, real counters, no certification.

It behaves like a TSE as far as kasse can tell: every step is a TR-03151 transaction log message
signed with ecdsa-plain-SHA384 on brainpoolP384r1, the signature counter (per TSE) and the
transaction numbers (per TSE) rise by one without gaps, also with several registers signing at the
same moment (the device row is locked while a step is signed), and the log time is unixTime. It is
*not* a certified TSE: its device information says so, every receipt signed with it must say so,
and it refuses to work when ``KASSE_ENV=production``.

Each step commits on its own (``atomic(durable=True)``), like a device that keeps what it signed
whatever happens to the caller's database transaction.
"""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from uuid import UUID

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from kasse.fiscal import crypto
from kasse.fiscal.models import DevTseLogMessage, DevTseTransaction, TseDevice
from kasse.fiscal.qr import qr_payload
from kasse.fiscal.tse.interface import Operation, Receipt, TimeFormat, TseClient, TseInfo, TseLog, TseRefused
from kasse.fiscal.tse.log_message import TransactionLogMessage, b64, public_key_bytes, serial_number, sign_plain

ALGORITHM = "ecdsa-plain-SHA384"
CURVE = ec.BrainpoolP384R1
CERTIFICATE_YEARS = 5
NOT_CERTIFIED = "kasse development TSE - NOT CERTIFIED"


def refuse_in_production() -> None:
    if settings.KASSE_ENV == "production":
        raise ImproperlyConfigured(
            "The development TSE is not certified: kasse refuses to use it with KASSE_ENV=production. "
            "Set up a fiskaly TSE for every store (docs/fiscal.md)."
        )


def new_key_material(now: datetime | None = None) -> dict[str, object]:
    """A fresh key with a self-signed certificate, as the device fields of a development TSE."""
    refuse_in_production()
    now = now or timezone.now()
    key = ec.generate_private_key(CURVE())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NOT_CERTIFIED)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * CERTIFICATE_YEARS))
        .sign(key, hashes.SHA384())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "dev_private_key": crypto.encrypt(pem),
        "serial_number": serial_number(key.public_key()).hex(),
        "public_key": b64(public_key_bytes(key.public_key())),
        "signature_algorithm": ALGORITHM,
        "time_format": TimeFormat.UNIX_TIME.value,
        "certificate": certificate.public_bytes(serialization.Encoding.PEM).decode(),
        "certificate_expires_at": certificate.not_valid_after_utc,
    }


@lru_cache(maxsize=16)
def _parsed_key(pem: str) -> ec.EllipticCurvePrivateKey:
    """The device's key parsed once per process (a backend object lives for one step, the key is the
    same for every step). Decrypting stays per step, so ``KASSE_FISCAL_KEYS`` is always applied."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ImproperlyConfigured("the development TSE's key is not an EC key")
    return key


class DevelopmentTse:
    """:class:`~kasse.fiscal.tse.interface.TseBackend` signing with a key kept (encrypted) in the database."""

    name = "development"

    def __init__(self, device: TseDevice, private_key_pem: str | None = None) -> None:
        """``private_key_pem`` in plain text when the key does not come from the row (a store node has it
        from the cloud, in memory only)."""
        refuse_in_production()
        self.device_id = device.pk
        self.organization_id = device.organization_id
        self._device = device
        self._key: ec.EllipticCurvePrivateKey | None = None
        self._pem = private_key_pem

    def _private_key(self, device: TseDevice) -> ec.EllipticCurvePrivateKey:
        if self._key is None:
            self._key = _parsed_key(self._pem or crypto.decrypt(device.dev_private_key))
        return self._key

    def info(self) -> TseInfo:
        device = self._device
        return TseInfo(
            backend=self.name,
            serial_number=device.serial_number,
            public_key=device.public_key,
            signature_algorithm=device.signature_algorithm,
            time_format=TimeFormat(device.time_format),
            certificate_pem=device.certificate,
            certificate_expires_at=device.certificate_expires_at,
            certified=False,
            description=NOT_CERTIFIED,
        )

    # -- transactions ----------------------------------------------------------------------------
    def start(self, client: TseClient, tx_id: UUID, process_type: str = "", process_data: str = "") -> TseLog:
        return self._step(Operation.START, client, tx_id, 1, process_type, process_data)

    def update(self, client: TseClient, tx_id: UUID, revision: int, process_type: str, process_data: str) -> TseLog:
        return self._step(Operation.UPDATE, client, tx_id, revision, process_type, process_data)

    def finish(self, client: TseClient, tx_id: UUID, revision: int, receipt: Receipt) -> TseLog:
        data = receipt.process_data()
        return self._step(Operation.FINISH, client, tx_id, revision, data.process_type, data.process_data)

    def cancel(self, client: TseClient, tx_id: UUID, revision: int, receipt: Receipt | None = None) -> TseLog:
        from kasse.fiscal.process_data import abort

        data = receipt.process_data() if receipt is not None else abort()
        return self._step(Operation.CANCEL, client, tx_id, revision, data.process_type, data.process_data)

    def _step(
        self, operation: Operation, client: TseClient, tx_id: UUID, revision: int, process_type: str, process_data: str
    ) -> TseLog:
        with scope(organization=self.organization_id), transaction.atomic(durable=True):
            device = TseDevice.objects.select_for_update().get(pk=self.device_id)
            tx = DevTseTransaction.objects.select_for_update().filter(device=device, tx_id=tx_id).first()
            if tx is not None and revision <= tx.revision:
                return self._stored(device, tx, revision, client)  # a step repeated after a lost answer
            now = timezone.now()
            if operation == Operation.START:
                device.dev_transaction_counter += 1
                tx = DevTseTransaction.objects.create(
                    organization_id=self.organization_id,
                    device=device,
                    tx_id=tx_id,
                    client_id=client.client_id,
                    number=device.dev_transaction_counter,
                    started_at=now,
                )
            elif tx is None:
                raise TseRefused(f"transaction {tx_id} was never started", status=404, code="E_TX_NOT_FOUND")
            elif tx.finished_at is not None:
                raise TseRefused(f"transaction {tx_id} is finished", status=409, code="E_TX_FINISHED")
            elif revision != tx.revision + 1:
                raise TseRefused(f"revision {revision} does not follow {tx.revision}", status=409, code="E_TX_REVISION")
            elif client.client_id != tx.client_id:
                raise TseRefused("another client started this transaction", status=409, code="E_CLIENT")
            device.dev_signature_counter += 1
            message = TransactionLogMessage(
                operation=operation.value,
                client_id=client.client_id,
                process_data=process_data.encode(),
                process_type=process_type,
                transaction_number=tx.number,
                serial_number=bytes.fromhex(device.serial_number),
                signature_algorithm=device.signature_algorithm,
                signature_counter=device.dev_signature_counter,
                log_time=now,
            )
            signature = sign_plain(self._private_key(device), device.signature_algorithm, message.data_to_be_signed())
            log_time = datetime.fromtimestamp(int(now.timestamp()), tz=UTC)
            stored = DevTseLogMessage.objects.create(
                organization_id=self.organization_id,
                device=device,
                signature_counter=device.dev_signature_counter,
                transaction_number=tx.number,
                operation=operation.value,
                client_id=client.client_id,
                tx_id=tx_id,
                revision=revision,
                process_type=process_type,
                process_data=process_data,
                log_time=log_time,
                signature=b64(signature),
                message=message.encode(signature),
            )
            if operation != Operation.START:
                tx.revision = revision
                if operation in {Operation.FINISH, Operation.CANCEL}:
                    tx.finished_at = log_time
                tx.save(update_fields=["revision", "finished_at", "updated_at"])
            device.save(update_fields=["dev_signature_counter", "dev_transaction_counter", "updated_at"])
            return self._log(device, tx, stored, client)

    def _stored(self, device: TseDevice, tx: DevTseTransaction, revision: int, client: TseClient) -> TseLog:
        message = DevTseLogMessage.objects.filter(device=device, tx_id=tx.tx_id, revision=revision).first()
        if message is None:
            raise TseRefused(f"revision {revision} of {tx.tx_id} is not stored", status=409, code="E_TX_REVISION")
        return self._log(device, tx, message, client)

    def _log(self, device: TseDevice, tx: DevTseTransaction, message: DevTseLogMessage, client: TseClient) -> TseLog:
        operation = Operation(message.operation)
        start = datetime.fromtimestamp(int(tx.started_at.timestamp()), tz=UTC)
        ended = operation in {Operation.FINISH, Operation.CANCEL}
        qr = (
            qr_payload(
                client_serial=client.serial_number,
                process_type=message.process_type,
                process_data=message.process_data,
                transaction_number=tx.number,
                signature_counter=message.signature_counter,
                time_start=start,
                log_time=message.log_time,
                signature_algorithm=device.signature_algorithm,
                log_time_format=device.time_format,
                signature=message.signature,
                public_key=device.public_key,
            )
            if ended
            else ""
        )
        return TseLog(
            operation=operation,
            tx_id=tx.tx_id,
            revision=message.revision,
            transaction_number=tx.number,
            signature_counter=message.signature_counter,
            signature=message.signature,
            log_time=message.log_time,
            log_time_format=TimeFormat(device.time_format),
            process_type=message.process_type,
            process_data=message.process_data,
            time_start=start,
            time_end=message.log_time if ended else None,
            qr_code_data=qr,
        )

    # -- export ----------------------------------------------------------------------------------
    def export(self) -> bytes:
        """A TAR as TR-03151 describes it: one ``.log`` file per signed step, and the certificate."""
        with scope(organization=self.organization_id):
            device = TseDevice.objects.get(pk=self.device_id)
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w") as tar:
                certificate = x509.load_pem_x509_certificate(device.certificate.encode())
                _add(
                    tar,
                    f"{device.serial_number.upper()}_X509.cer",
                    certificate.public_bytes(serialization.Encoding.DER),
                    certificate.not_valid_before_utc,
                )
                kinds = {"start": "Start", "update": "Update", "finish": "Finish", "cancel": "Finish"}
                for msg in DevTseLogMessage.objects.filter(device=device).order_by("signature_counter").iterator():
                    name = (
                        f"Unixt_{int(msg.log_time.timestamp())}_Sig-{msg.signature_counter}_Log-Tra_"
                        f"No-{msg.transaction_number}_{kinds[msg.operation]}_Client-{msg.client_id}.log"
                    )
                    _add(tar, name, bytes(msg.message), msg.log_time)
            return buffer.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes, moment: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(moment.timestamp())
    tar.addfile(info, io.BytesIO(data))
