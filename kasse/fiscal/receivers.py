"""What the fiscal app does when other apps change things (connected in ``FiscalConfig.ready``)."""

from __future__ import annotations

import logging
from typing import Any

from django_scopes import scope

from kasse.core.actors import Actor
from kasse.fiscal.models import DeviceState
from kasse.fiscal.services import FiscalSetupError, device_for_store
from kasse.tenancy.models import Register

logger = logging.getLogger(__name__)


def register_a_new_register(sender: Any, *, register: Register, actor: Actor, **kwargs: Any) -> None:
    """A register created (or switched on) in a store whose TSE is ready becomes its client at once.

    Without this, a register added after the TSE was set up sold unsigned ("not configured") until someone
    pressed "register the missing registers" on the TSE page. If the TSE cannot take it now (fiskaly
    unreachable or refusing), the register stays "not registered" on that page, which still offers the
    button, and its sales are recorded unsigned with an outage, as for any TSE failure.
    """
    from kasse.fiscal.tse_pages import register_missing_clients

    if not register.is_active:
        return
    with scope(organization=register.organization_id):
        device = device_for_store(register.store)
        if device is None or device.state != DeviceState.READY:
            return
        try:
            register_missing_clients(store=register.store, actor=actor)
        except FiscalSetupError as exc:
            logger.warning("register %s not registered with the TSE of its store: %s", register.pk, exc)
        except Exception:
            # the register is saved (this runs after its commit): a failure here must not turn that into an error
            logger.exception("register %s not registered with the TSE of its store", register.pk)
