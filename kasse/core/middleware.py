"""Language choice: the user's language, else the browser's, else the default."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


class LanguageMiddleware:
    """Activate the session's or browser's language (``de`` or ``en``) per request.

    After authentication the user's saved preference wins; the backoffice sets
    ``session["language"]`` when a user logs in or switches language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.session.get("language") if hasattr(request, "session") else None
        if language not in {"de", "en"}:
            language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
