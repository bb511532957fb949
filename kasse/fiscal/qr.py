"""The receipt's QR code payload (DSFinV-K Anhang I, ``V0``): twelve fields separated by ``;``.

No Django here. fiskaly answers this string itself (``qr_code_data``); the development TSE and a
hardware TSE get theirs from :func:`qr_payload`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def qr_time(moment: datetime) -> str:
    """``2019-11-22T11:29:48.000Z``: UTC with milliseconds."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def qr_payload(
    *,
    client_serial: str,
    process_type: str,
    process_data: str,
    transaction_number: int,
    signature_counter: int,
    time_start: datetime,
    log_time: datetime,
    signature_algorithm: str,
    log_time_format: str,
    signature: str,
    public_key: str,
) -> str:
    return ";".join(
        [
            "V0",
            client_serial,
            process_type,
            process_data,
            str(transaction_number),
            str(signature_counter),
            qr_time(time_start),
            qr_time(log_time),
            signature_algorithm,
            log_time_format,
            signature,
            public_key,
        ]
    )
