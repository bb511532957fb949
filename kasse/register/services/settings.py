"""Saving a store's register settings."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.core.services import tenant_service
from kasse.register.models import RegisterSettings, ScaleLabelLayout
from kasse.sync.engine.changes import record
from kasse.tenancy.models import Store

FIELDS = (
    "scale_label_layout",
    "scale_label_pattern",
    "scanner_layout",
    "scanner_prefix",
    "scanner_suffix",
    "scanner_max_gap_ms",
    "scanner_min_length",
    "scanner_pause_ms",
    "scanner_late_suffix_ms",
    "scan_beep",
    "scan_beep_volume",
    "auto_lock_seconds",
    "display_message",
)


def validate_scale_pattern(pattern: str) -> None:
    if len(pattern) != 13 or any(c not in "0123456789IPWC" for c in pattern):
        raise ValidationError(
            {
                "scale_label_pattern": _(
                    "A pattern has 13 characters: digits, I (item), P (price), W (weight) and C (check digit)."
                )
            }
        )
    if pattern[-1] != "C" or ("P" in pattern) == ("W" in pattern):
        raise ValidationError(
            {"scale_label_pattern": _("A pattern ends with C and contains either P (price) or W (weight).")}
        )


@tenant_service
def save_register_settings(*, actor: Actor, store: Store, data: dict[str, Any]) -> RegisterSettings:
    settings_obj = RegisterSettings.objects.filter(store=store).first() or RegisterSettings(
        organization_id=store.organization_id, store=store
    )
    for key in FIELDS:
        if key in data:
            setattr(settings_obj, key, data[key])
    if settings_obj.scale_label_layout == ScaleLabelLayout.CUSTOM:
        validate_scale_pattern(settings_obj.scale_label_pattern)
    if not 5 <= settings_obj.scanner_max_gap_ms <= 200:
        raise ValidationError({"scanner_max_gap_ms": _("Choose between 5 and 200 ms.")})
    if not 2 <= settings_obj.scanner_min_length <= 48:
        raise ValidationError({"scanner_min_length": _("Choose between 2 and 48 characters.")})
    if not max(20, settings_obj.scanner_max_gap_ms) <= settings_obj.scanner_pause_ms <= 1000:
        raise ValidationError(
            {"scanner_pause_ms": _("Choose between 20 and 1000 ms, at least the time between scanner keys.")}
        )
    if not 0 <= settings_obj.scanner_late_suffix_ms <= 2000:
        raise ValidationError({"scanner_late_suffix_ms": _("Choose between 0 and 2000 ms.")})
    if not 0 <= settings_obj.scan_beep_volume <= 100:
        raise ValidationError({"scan_beep_volume": _("Choose between 0 and 100 %.")})
    if not 15 <= settings_obj.auto_lock_seconds <= 3600:
        raise ValidationError({"auto_lock_seconds": _("Choose between 15 and 3600 seconds.")})
    settings_obj.full_clean(exclude=["organization", "store"])
    settings_obj.save()
    log_action(store.organization, actor, "register.settings.changed", store, {k: str(data.get(k)) for k in FIELDS})
    record("register_settings", [settings_obj])
    return settings_obj
