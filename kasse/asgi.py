"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kasse.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from kasse.core.origin import AllowedHostsOrigin  # noqa: E402
from kasse.routing import websocket_urlpatterns  # noqa: E402

if os.environ.get("KASSE_PRELOAD"):  # a server process (``kasse cloud``): load views and tasks before serving
    from kasse.core.preload import preload  # noqa: E402

    preload()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOrigin(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
