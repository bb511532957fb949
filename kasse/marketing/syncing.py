"""How marketing syncs: a consent given at a register served by a store node goes up as a ConsentRequest,
and the cloud (which has the public address the confirmation link points to) sends the double opt-in
e-mail when it arrives. Campaigns are written and sent in the cloud and come down to the nodes for the idle screens."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from kasse.sync.engine.registry import Direction, SyncSpec, Upload, UpRow, register


def mail_when_arrived(row: UpRow, rows: Sequence[UpRow], upload: Upload) -> None:
    from kasse.marketing.tasks import send_consent_mail

    consent_id = str(row.values["id"])
    transaction.on_commit(lambda: send_consent_mail.enqueue(consent_id))


register(
    # Campaigns come down for their messages on the idle customer displays; sending happens in the cloud.
    SyncSpec("marketing.Campaign", Direction.DOWN),
    SyncSpec("marketing.ConsentRequest", Direction.UP, immutable=True, arrived=mail_when_arrived),
)
