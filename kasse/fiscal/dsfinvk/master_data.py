"""The master data of a cash point closing (DSFinV-K Stammdatenmodul), as it is at the closing.

A Z report stores what this module returns with the closing (``Shift.master_data``);
the export writes ``cashpointclosing.csv`` (company part), ``location.csv``,
``cashregister.csv``, ``vat.csv`` and ``tse.csv`` from it, so a later change of the
shop's address, tax number, VAT table or TSE never changes an exported closing.

The snapshot is plain JSON (strings, numbers as strings): it travels with the shift
from a store node to the cloud like any other field of it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from kasse import __version__
from kasse.core.vat import DSFINVK_IDS, VAT_RATES, VatClass
from kasse.fiscal.dsfinvk import spec
from kasse.fiscal.models import DeviceState, RegisterDetails, TseDevice, TseTransactionRecord
from kasse.tenancy.models import Register

SNAPSHOT_VERSION = 1
SOFTWARE_BRAND = "kasse"
# A register of kasse is the kasse software in a browser on the shop's device; the brand and model of
# that device are the owner's to enter (register details for the tax office), else these.
DEFAULT_BRAND = "kasse"
DEFAULT_MODEL = "kasse Browserkasse"

# ISO 3166-1 alpha-2 (how kasse stores a country) → alpha-3 (DSFinV-K's LAND, three characters).
ALPHA3 = {
    "DE": "DEU",
    "AT": "AUT",
    "CH": "CHE",
    "LI": "LIE",
    "LU": "LUX",
    "NL": "NLD",
    "BE": "BEL",
    "FR": "FRA",
    "DK": "DNK",
    "PL": "POL",
    "CZ": "CZE",
    "IT": "ITA",
    "ES": "ESP",
}

# DSFinV-K's descriptions of the VAT ids kasse uses (Stamm_USt.UST_BESCHR).
VAT_DESCRIPTIONS = {
    1: "Regelsteuersatz",
    2: "Ermäßigter Steuersatz",
    3: "Durchschnittsatz (§ 24 Abs. 1 Nr. 3 UStG)",
    4: "Durchschnittsatz (§ 24 Abs. 1 Nr. 1 UStG)",
    5: "Nicht Steuerbar",
    6: "Umsatzsteuerfrei",
    7: "UmsatzsteuerNichtErmittelbar",
}


def country3(code: str) -> str:
    code = (code or "").upper()
    return ALPHA3.get(code, code[:3])


def _cut(value: str, length: int) -> str:
    return (value or "").strip()[:length]


def certificate_base64(pem_or_base64: str) -> str:
    """The certificate as one base64 string (a PEM's armour and line breaks removed)."""
    body = re.sub(r"-----(BEGIN|END) [A-Z ]+-----", "", pem_or_base64 or "")
    return "".join(body.split())


def tse_entry(number: int, *, serial: str, algorithm: str, time_format: str, public_key: str, certificate: str) -> dict:
    certificate = certificate_base64(certificate)
    size = spec.CERTIFICATE_PART_LENGTH
    parts = {
        f"TSE_ZERTIFIKAT_{name}": certificate[i * size : (i + 1) * size]
        for i, name in enumerate(spec.CERTIFICATE_PARTS)
    }
    return {
        "TSE_ID": number,
        "TSE_SERIAL": serial,
        "TSE_SIG_ALGO": algorithm,
        "TSE_ZEITFORMAT": time_format,
        "TSE_PD_ENCODING": "UTF-8",
        "TSE_PUBLIC_KEY": public_key,
        **parts,
    }


def tse_entries(register: Register, since: datetime | None) -> list[dict]:
    """The TSEs of a closing: those that signed for ``register`` since ``since`` (the shift's start),
    and the one it signs with now; numbered 1, 2, … (TSE_ID is only a reference within a closing)."""
    used = TseTransactionRecord.objects.filter(register=register, device__isnull=False)
    if since is not None:
        used = used.filter(created_at__gte=since)
    device_ids = set(used.values_list("device_id", flat=True).distinct())
    current = (
        TseDevice.objects.filter(organization_id=register.organization_id)
        .exclude(state=DeviceState.RETIRED)
        .filter(store_id=register.store_id)
        .first()
    ) or (
        TseDevice.objects.filter(organization_id=register.organization_id, store__isnull=True)
        .exclude(state=DeviceState.RETIRED)
        .first()
    )
    if current is not None:
        device_ids.add(current.pk)
    devices = TseDevice.objects.filter(pk__in=device_ids).exclude(serial_number="").order_by("created_at")
    return [
        {
            **tse_entry(
                number,
                serial=device.serial_number,
                algorithm=device.signature_algorithm,
                time_format=device.time_format,
                public_key=device.public_key,
                certificate=device.certificate,
            ),
            "device_id": str(device.pk),
        }
        for number, device in enumerate(devices, start=1)
    ]


def vat_table() -> list[dict]:
    """The VAT ids and rates in force (Stamm_USt), one row per DSFinV-K id kasse uses."""
    rows: dict[int, dict] = {}
    for vat_class in VatClass:
        key = DSFINVK_IDS[vat_class]
        rows.setdefault(
            key,
            {"UST_SCHLUESSEL": key, "UST_SATZ": str(VAT_RATES[vat_class]), "UST_BESCHR": VAT_DESCRIPTIONS[key]},
        )
    return [rows[key] for key in sorted(rows)]


def register_details(register: Register) -> dict[str, str]:
    """Brand and model of the register's device as the owner entered them (register details)."""
    details = RegisterDetails.objects.filter(register=register).first()
    return {
        "brand": (details.brand if details else "") or DEFAULT_BRAND,
        "model": (details.model if details else "") or DEFAULT_MODEL,
    }


def snapshot(register: Register, *, since: datetime | None = None) -> dict[str, Any]:
    """The master data of ``register`` now, for a closing of the shift that began at ``since``."""
    store = register.store
    organization = register.organization
    device = register_details(register)
    return {
        "version": SNAPSHOT_VERSION,
        "time_zone": store.time_zone,
        "company": {
            "NAME": _cut(organization.legal_name or organization.name, 60),
            "STRASSE": _cut(organization.street, 60),
            "PLZ": _cut(organization.postal_code, 10),
            "ORT": _cut(organization.city, 62),
            "LAND": country3(organization.country),
            "STNR": _cut(organization.tax_number, 20),
            "USTID": _cut(organization.vat_id, 15),
        },
        "location": {
            "LOC_NAME": _cut(store.name, 60),
            "LOC_STRASSE": _cut(store.street, 60),
            "LOC_PLZ": _cut(store.postal_code, 10),
            "LOC_ORT": _cut(store.city, 62),
            "LOC_LAND": country3(store.country),
            "LOC_USTID": _cut(organization.vat_id, 15),
        },
        "cashregister": {
            "KASSE_BRAND": _cut(device["brand"], 50),
            "KASSE_MODELL": _cut(device["model"], 50),
            "KASSE_SERIENNR": _cut(register.serial_number, 70),
            "KASSE_SW_BRAND": SOFTWARE_BRAND,
            "KASSE_SW_VERSION": __version__,
            "KASSE_BASISWAEH_CODE": store.currency,
            "KEINE_UST_ZUORDNUNG": "0",
        },
        "vat": vat_table(),
        "tse": tse_entries(register, since),
    }
