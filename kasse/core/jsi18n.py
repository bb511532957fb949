"""Django's JavaScript catalog, one script file per language.

Scripts translate with ``gettext``/``ngettext``/``interpolate`` from the catalog
(strings in ``kasse/<app>/locale/de/LC_MESSAGES/djangojs.po``). The language is
part of the URL (``/jsi18n/de.js``), so a page loads the catalog of the language
it was rendered in and the file can be cached; it is a script from this server,
which the Content-Security-Policy allows (no inline script).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import translation
from django.views.decorators.http import require_safe
from django.views.i18n import JavaScriptCatalog

CACHE_SECONDS = 3600


def _packages() -> list[str]:
    return [config.name for config in apps.get_app_configs() if config.name.startswith("kasse.")]


@require_safe
def javascript_catalog(request: HttpRequest, language: str) -> HttpResponseBase:
    if language not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(language):
        response = JavaScriptCatalog.as_view(packages=_packages())(request)
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
