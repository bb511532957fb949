"""Registers of a store that sells through its store node are paired and served by the node, never by the cloud.

Selling past the node would bypass offline selling and let the same register be operated from two places,
which breaks shifts and gapless receipt numbers. So in the cloud a register (and its customer display) of a
store with a paired store node is refused with a page that says where to go: the node's address in the
shop, as the node reported it (:mod:`kasse.sync.engine.lan_address`). On the node itself nothing is refused.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kasse.sync.engine.local import is_node

_CACHE_SECONDS = 10  # a node paired a moment ago takes over within seconds, without a query per request


def serving_node(store_id: Any) -> Any:
    """The store node that sells for ``store_id`` (None on the node itself, or when the store has none)."""
    if is_node():
        return None
    key = f"kasse:node-serves:{store_id}"
    cached = cache.get(key)
    if cached is None:
        from django_scopes import scopes_disabled

        from kasse.sync.models import StoreNode

        with scopes_disabled():
            node = (
                StoreNode.objects.filter(store_id=store_id, revoked_at__isnull=True)
                .order_by("-paired_at")
                .values("name", "lan_url")
                .first()
            )
        cached = node or {}
        cache.set(key, cached, _CACHE_SECONDS)
    return cached or None


def node_pair_url(node: Any) -> str:
    """The node's pairing page for the shop's tablets, '' when the node has not reported its address."""
    return f"{node['lan_url']}/register/pair/" if node and node.get("lan_url") else ""


def refuse_in_cloud(request: HttpRequest, register: Any) -> HttpResponse | None:
    """The page that sends a register of a node's store to the node (409), or None when the cloud may serve it."""
    node = serving_node(register.store_id)
    if node is None:
        return None
    if getattr(request, "htmx", False):  # a partial cannot show the page: load it whole
        from django.urls import reverse

        redirect = HttpResponse(status=204)
        redirect["HX-Redirect"] = reverse("register:display" if register_is_display(request) else "register:main")
        return redirect
    context = {"register": register, "node_name": node["name"], "node_url": node.get("lan_url", "")}
    return render(request, "register/sells_through_node.html", context, status=409)


def register_is_display(request: HttpRequest) -> bool:
    device = getattr(request, "register_device", None)
    return bool(device is not None and device.is_display)
