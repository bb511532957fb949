"""The Content-Security-Policy sent with every response.

Pages load scripts, styles, images and sockets from this server only; no
inline script, no inline style, no ``eval``. A product name or any other text
that slipped into a page as markup therefore cannot run (the register's stored
XSS of issue 11 is stopped twice: the templates escape, and the browser refuses
inline code). Templates use data attributes that ``kasse/static/kasse/behaviour.js``
acts on instead of ``onclick=`` or ``style=``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class ContentSecurityPolicyMiddleware:
    """Adds :data:`POLICY` unless the response has a policy of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
