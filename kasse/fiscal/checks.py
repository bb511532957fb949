"""Start-up checks: ``kasse cloud`` and ``kasse store run`` run them before they serve."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError


@register("kasse")
def development_tse_in_production(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """With ``KASSE_ENV=production`` kasse refuses to start while a development TSE is in use."""
    if settings.KASSE_ENV != "production":
        return []
    from django_scopes import scopes_disabled

    from kasse.fiscal.models import Backend, DeviceState, TseDevice

    try:
        with scopes_disabled():
            names = list(
                TseDevice.objects.filter(backend=Backend.DEVELOPMENT)
                .exclude(state=DeviceState.RETIRED)
                .values_list("name", flat=True)[:5]
            )
    except DatabaseError:  # not migrated yet: nothing can be in use
        return []
    if not names:
        return []
    return [
        Error(
            "A development TSE (not certified) is in use: " + ", ".join(names),
            hint="Retire it and set up a fiskaly TSE for every store (docs/fiscal.md); production never signs with it.",
            id="kasse.fiscal.E001",
        )
    ]
