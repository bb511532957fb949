"""The Origin check of every WebSocket: a browser page of another site cannot open our sockets.

Browsers always send ``Origin`` with a WebSocket handshake, so a page on
another site that tries to use a register's cookie (cross-site WebSocket
hijacking) is refused when its origin is not one of ``ALLOWED_HOSTS``, the same
list that decides which ``Host`` the HTTP side answers. A client that is not a
browser (a store node with its credential) sends no ``Origin`` and is let
through to its consumer, which authenticates it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import ParseResult

from channels.security.websocket import OriginValidator
from django.conf import settings


class AllowedHostsOrigin(OriginValidator):
    """``OriginValidator`` over ``settings.ALLOWED_HOSTS`` that lets a handshake without ``Origin`` pass."""

    def __init__(self, application: Any) -> None:
        super().__init__(application, list(settings.ALLOWED_HOSTS))

    def valid_origin(self, parsed_origin: ParseResult | None) -> bool:
        if parsed_origin is None:
            return True
        return bool(self.validate_origin(parsed_origin))
