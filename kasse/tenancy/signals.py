"""Signals other apps listen to, so that tenancy need not import them (docs/architecture.md: tenancy is below
every app that reacts to its changes)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by ``kasse.tenancy.services.save_register`` after the transaction that created or changed a register
# committed (not by sync, which only copies a register the cloud already has). Arguments: ``register`` and
# ``actor``. The fiscal app makes an active register a client of its store's TSE
# (``kasse.fiscal.receivers``).
register_saved = Signal()
