"""TR-03151 transaction log messages: DER encoding and the data to be signed.

A log message is a DER ``SEQUENCE`` of version (2), certifiedDataType (the transaction-log OID),
certifiedData (operationType ``[0]``, clientId ``[1]``, processData ``[2]``, processType ``[3]``,
transactionNumber ``[5]``; context-specific, implicit), serialNumber, signatureAlgorithm (a
``SEQUENCE`` with its OID), signatureCounter, logTime and signatureValue. What is signed (and what a
checker verifies) is the concatenation of the *values* (without tag and length) of every element
before the signature, the algorithm's OID standing for its ``SEQUENCE``. No Django here.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

TRANSACTION_LOG_OID = "0.4.0.127.0.7.3.7.1.1"  # id-SE-API-transaction-log
# BSI TR-03111 ecdsa-plain-signatures: 0.4.0.127.0.7.1.1.4.1.<n>
ALGORITHMS = {
    "ecdsa-plain-SHA256": ("0.4.0.127.0.7.1.1.4.1.3", hashes.SHA256),
    "ecdsa-plain-SHA384": ("0.4.0.127.0.7.1.1.4.1.4", hashes.SHA384),
}
OPERATION_TYPES = {
    "start": "StartTransaction",
    "update": "UpdateTransaction",
    "finish": "FinishTransaction",
    "cancel": "FinishTransaction",
}  # a cancelled transaction is finished with its processData


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _length(len(value)) + value


def integer_value(n: int) -> bytes:
    """Minimal two's complement, as DER wants it."""
    size = max(1, (n.bit_length() + 8) // 8)
    return n.to_bytes(size, "big", signed=True)


def oid_value(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        out.extend(reversed(chunk))
    return bytes(out)


@dataclass(frozen=True)
class TransactionLogMessage:
    """The fields of one transaction log message; ``log_time`` is written as unixTime."""

    operation: str  # start | update | finish | cancel
    client_id: str
    process_data: bytes
    process_type: str
    transaction_number: int
    serial_number: bytes  # SHA-256 of the public key
    signature_algorithm: str
    signature_counter: int
    log_time: datetime

    def elements(self) -> list[tuple[int, bytes]]:
        """(tag, value) of every element before the signature, in order."""
        algorithm_oid, _hash = ALGORITHMS[self.signature_algorithm]
        return [
            (0x02, integer_value(2)),
            (0x06, oid_value(TRANSACTION_LOG_OID)),
            (0x80, OPERATION_TYPES[self.operation].encode("ascii")),
            (0x81, self.client_id.encode("ascii")),
            (0x82, self.process_data),
            (0x83, self.process_type.encode("ascii")),
            (0x85, integer_value(self.transaction_number)),
            (0x04, self.serial_number),
            (0x30, tlv(0x06, oid_value(algorithm_oid))),
            (0x02, integer_value(self.signature_counter)),
            (0x02, integer_value(int(self.log_time.timestamp()))),
        ]

    def data_to_be_signed(self) -> bytes:
        algorithm_oid, _hash = ALGORITHMS[self.signature_algorithm]
        parts = []
        for tag, value in self.elements():
            parts.append(oid_value(algorithm_oid) if tag == 0x30 else value)
        return b"".join(parts)

    def encode(self, signature: bytes) -> bytes:
        body = b"".join(tlv(tag, value) for tag, value in self.elements()) + tlv(0x04, signature)
        return tlv(0x30, body)


def public_key_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    """The public key as an uncompressed point (0x04 ‖ X ‖ Y), as TSEs publish it."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def serial_number(key: ec.EllipticCurvePublicKey) -> bytes:
    """TR-03153: the TSE's serial number is the SHA-256 of its public key."""
    return hashlib.sha256(public_key_bytes(key)).digest()


def sign_plain(private_key: ec.EllipticCurvePrivateKey, algorithm: str, data: bytes) -> bytes:
    """ECDSA with the signature in plain format (r ‖ s, each as long as the curve's order)."""
    _oid, hash_type = ALGORITHMS[algorithm]
    r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hash_type())))
    size = (private_key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def verify_plain(public_key: ec.EllipticCurvePublicKey, algorithm: str, data: bytes, signature: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature

    _oid, hash_type = ALGORITHMS[algorithm]
    size = len(signature) // 2
    der = encode_dss_signature(int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big"))
    try:
        public_key.verify(der, data, ec.ECDSA(hash_type()))
    except InvalidSignature:
        return False
    return True


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unix_seconds(moment: datetime) -> datetime:
    """unixTime has whole seconds: the log time as the TSE writes it."""
    return datetime.fromtimestamp(int(moment.timestamp()), tz=UTC)


def _read(data: bytes, pos: int) -> tuple[int, bytes, int]:
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    return tag, data[pos : pos + length], pos + length


def decode(message: bytes) -> list[tuple[int, bytes]]:
    """The (tag, value) elements of a DER log message (one level deep)."""
    tag, body, _end = _read(message, 0)
    if tag != 0x30:
        raise ValueError("a log message is a SEQUENCE")
    elements, pos = [], 0
    while pos < len(body):
        tag, value, pos = _read(body, pos)
        elements.append((tag, value))
    return elements


def signed_data_and_signature(message: bytes) -> tuple[bytes, bytes]:
    """What a checker verifies: the values of every element but the last (the algorithm's OID for
    its SEQUENCE), and the signature (the last element)."""
    elements = decode(message)
    parts = []
    for tag, value in elements[:-1]:
        parts.append(_read(value, 0)[1] if tag == 0x30 else value)
    return b"".join(parts), elements[-1][1]
