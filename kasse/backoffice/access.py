"""Entry-point checks for back-office views: logged in, in an organization, capable."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import has_capability, has_capability_everywhere

View = Callable[..., HttpResponse]


def backoffice_view(capability: str | None = None) -> Callable[..., Any]:
    """Decorator: require a logged-in user with an organization, and ``capability`` if given.

    Anonymous users are sent to the login page; a user without the capability
    gets 403. Object lookups inside the view go through scoped managers, so a
    foreign id is a 404 like a missing one.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: BackofficeRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request, "organization", None) is None:
                raise PermissionDenied
            if capability and not has_capability(request.employee, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def organization_wide_view(capability: str, *, readable: bool, flag: str) -> Callable[[View], View]:
    """A page that changes what every store of the organization has (the catalog, promotions): writing needs
    ``capability`` in every store (an owner or an all-stores manager); a store-bound manager with it may only
    read a ``readable`` page. The request gets ``flag`` (for the templates: may this user change it?); every
    POST of a user who may not, and any request to a page that only exists to change, answers 403."""

    def decorator(view: View) -> View:
        @backoffice_view(capability)
        @wraps(view)
        def wrapped(request: BackofficeRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            may = has_capability_everywhere(request.employee, capability)
            setattr(request, flag, may)  # read by the templates only
            if not may and (request.method == "POST" or not readable):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
