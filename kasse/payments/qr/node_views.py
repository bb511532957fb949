"""The cloud's endpoint that hands a store node the secrets of its QR payment accounts
(``GET /sync/v1/payments/qr-credentials``), authenticated like every node request; a revoked node gets
nothing. Every hand-over is audited (``payments.qr_account.credentials_handed_over``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from django_scopes import scope

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.fiscal import crypto
from kasse.payments.qr.models import QrAccount
from kasse.sync.cloud.access import node_endpoint
from kasse.sync.engine.protocol import PROTOCOL_VERSION
from kasse.sync.models import StoreNode


@require_GET
@node_endpoint
def credentials(request: HttpRequest, node: StoreNode, body: Any) -> HttpResponse:
    """``{accounts: {account id: secret}}`` for the active accounts the node's store takes payments with."""
    with scope(organization=node.organization_id):
        accounts = list(
            QrAccount.objects.filter(
                Q(store_id=node.store_id) | Q(store__isnull=True), organization_id=node.organization_id, is_active=True
            )
        )
        answer = {str(account.pk): crypto.decrypt(account.secret) for account in accounts}
        if accounts:
            log_action(
                node.organization_id,
                Actor(kind="node", label=node.name),
                "payments.qr_account.credentials_handed_over",
                None,
                {"node": str(node.pk), "accounts": sorted(answer)},
                store=node.store_id,
            )
    response = JsonResponse({"protocol": PROTOCOL_VERSION, "accounts": answer})
    response["Cache-Control"] = "no-store"
    return response
