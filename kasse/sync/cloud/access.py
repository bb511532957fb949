"""The entry point other apps use for their own store-node endpoints: ``node_endpoint`` (the node's
credential, the sync protocol, its organization's scope), as every ``/sync/v1/`` endpoint checks them."""

from __future__ import annotations

from kasse.sync.cloud.views import node_endpoint

__all__ = ["node_endpoint"]
