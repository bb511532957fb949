"""The cloud's TSE endpoint for store nodes (``/sync/v1/fiscal/``): the secrets a node signs with.

Authenticated like every node request (``Authorization: Node <credential>``, the sync protocol); a revoked
node gets nothing. The node keeps the answer in memory only (:mod:`kasse.fiscal.node_credentials`). Every
hand-over is in the audit log (``fiscal.tse.credentials_handed_over``, the node and the devices).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from kasse.core.actors import Actor
from kasse.core.audit import log_action
from kasse.fiscal import crypto
from kasse.fiscal.models import Backend
from kasse.fiscal.services import node_devices
from kasse.sync.cloud.access import node_endpoint
from kasse.sync.engine.protocol import PROTOCOL_VERSION
from kasse.sync.models import StoreNode


def _secrets(device: Any) -> dict[str, str]:
    if device.backend == Backend.DEVELOPMENT:
        return {"dev_private_key": crypto.decrypt(device.dev_private_key)}
    return {"fiskaly_api_key": device.fiskaly_api_key, "fiskaly_api_secret": crypto.decrypt(device.fiskaly_api_secret)}


@require_GET
@node_endpoint
def credentials(request: HttpRequest, node: StoreNode, body: Any) -> HttpResponse:
    """``{devices: {device id: {secret: value}}}`` for the TSEs the node's store signs with."""
    devices = list(node_devices(node.organization_id, node.store_id))
    answer = {str(device.pk): _secrets(device) for device in devices}
    if devices:
        log_action(
            node.organization_id,
            Actor(kind="node", label=node.name),
            "fiscal.tse.credentials_handed_over",
            None,
            {"node": str(node.pk), "devices": sorted(answer)},
            store=node.store_id,
        )
    response = JsonResponse({"protocol": PROTOCOL_VERSION, "devices": answer})
    response["Cache-Control"] = "no-store"
    return response
