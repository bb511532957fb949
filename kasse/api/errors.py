"""How the API reports errors: one JSON shape, translated messages.

* A ``ValidationError`` from a service and a request ninja could not parse are
  both 422 ``{"detail": [{"field": ..., "message": ...}]}``; messages follow
  ``Accept-Language`` (the LanguageMiddleware activated it).
* A foreign, missing or malformed id is 404 ``{"detail": "Not found"}``.
* No or a revoked token is 401 ``{"detail": "Unauthorized"}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kasse.api.types import MONEY_PATTERN

NOT_FOUND = {"detail": "Not found"}

# Service field names that the API calls differently.
FIELD_NAMES = {
    "category": "category_id",
    "parent": "parent_id",
    "store": "store_id",
    "variant": "variant_id",
    NON_FIELD_ERRORS: "non_field_errors",
}


class RequestError(Exception):
    """Raised by API code with ready-made ``{"field", "message"}`` errors; becomes a 422."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def service_errors(exc: DjangoValidationError, prefix: str = "") -> list[dict[str, str]]:
    """The API's error list for a ``ValidationError`` raised by a service."""
    variant_index = getattr(exc, "variant_index", None)
    if variant_index is not None:
        prefix = f"{prefix}variants.{variant_index}."
    if not hasattr(exc, "error_dict"):
        field = prefix.rstrip(".") or "non_field_errors"
        return [{"field": field, "message": str(message)} for message in exc.messages]
    errors: list[dict[str, str]] = []
    for key, messages in exc.message_dict.items():
        if variant_index is not None and key == "variants":
            field = prefix.rstrip(".")
        else:
            field = prefix + FIELD_NAMES.get(key, key)
        errors.extend({"field": field, "message": str(message)} for message in messages)
    return errors


def _pydantic_message(error: dict[str, Any]) -> str:
    """A translated message for one pydantic error (pydantic's own text is English only)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == MONEY_PATTERN:
            return _("Enter an amount as a string with a decimal point, e.g. “2.49”.")
        return _("This text contains characters that are not allowed.")
    if kind == "string_too_long":
        return _("Enter at most %(max)d characters.") % {"max": ctx.get("max_length", 0)}
    if kind == "string_too_short":
        return _("Enter at least %(min)d characters.") % {"min": ctx.get("min_length", 0)}
    if kind == "string_type" and str(list(error.get("loc", ()))[-1:]).endswith("price']"):
        return _("Enter an amount as a string with a decimal point, e.g. “2.49”.")
    if kind == "string_type":
        return _("Enter a text (a JSON string).")
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        bounds = {
            "greater_than_equal": _("at least %(limit)s"),
            "greater_than": _("more than %(limit)s"),
            "less_than_equal": _("at most %(limit)s"),
            "less_than": _("less than %(limit)s"),
        }
        limit = next(iter(ctx.values()), "")
        return _("Enter a number that is %(bound)s.") % {"bound": bounds[kind] % {"limit": limit}}
    if kind in {"bool_type", "bool_parsing"}:
        return _("Enter true or false.")
    if kind in {"uuid_type", "uuid_parsing"}:
        return _("Enter a valid id (a UUID).")
    if kind.startswith("datetime") or kind.startswith("date_"):
        return _("Enter a date and time in ISO 8601 format, e.g. 2025-01-31T12:00:00Z.")
    if kind == "list_type":
        return _("Enter a list.")
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return _("Enter an object.")
    if kind == "extra_forbidden":
        return _("This field is unknown.")
    return str(error.get("msg", _("This value is not valid.")))


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = list(loc)
    # ninja prefixes the parameter source and, for bodies, the argument name.
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    return ".".join(str(part) for part in parts) or "body"


def request_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"field": _field_of(error.get("loc", ())), "message": _pydantic_message(error)} for error in errors]


def register_exception_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DjangoValidationError)
    def service_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": service_errors(exc)}, status=422)

    @api.exception_handler(RequestError)
    def api_request_error(request: HttpRequest, exc: RequestError) -> HttpResponse:
        return api.create_response(request, {"detail": exc.errors}, status=422)

    @api.exception_handler(NinjaValidationError)
    def request_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = list(exc.errors)
        if errors and all(list(error.get("loc", ()))[:1] == ["path"] for error in errors):
            # A malformed id is as unknown as a missing one.
            return api.create_response(request, NOT_FOUND, status=404)
        return api.create_response(request, {"detail": request_errors(errors)}, status=422)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            # Malformed JSON is refused input like any other: 422 in the one error shape.
            body = {"detail": [{"field": "body", "message": _("The request body is not valid JSON.")}]}
            return api.create_response(request, body, status=422)
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, NOT_FOUND, status=404)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(request, {"detail": "Unauthorized"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="kasse"'
        return response
