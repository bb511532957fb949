"""Numbered pages of a back-office list that say so when the page asked for does not exist.

Django's ``Paginator.get_page`` quietly shows the last page for a number past the end and the first for
anything that is no number. An owner who follows an old link to page 40 of a list that now has 3 pages
should read why they see page 3 (issue 15, "a page number out of range: a clear, translated message"):
:func:`page_of` returns the same page with a ``notice`` that
``backoffice/partials/pagination.html`` shows above the page links. Work stays bounded: one count and one
page, whatever was asked.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.translation import gettext as _


def page_of(request: HttpRequest, items: Any, size: int) -> Page:
    """The page ``?page=`` asks for, or the nearest one with ``page.notice`` saying what happened."""
    asked = (request.GET.get("page") or "").strip()
    page = Paginator(items, size).get_page(asked or None)
    notice = ""
    if asked and asked != str(page.number):
        notice = _("There is no page “%(asked)s”; this is page %(number)s of %(pages)s.") % {
            "asked": asked[:20],
            "number": page.number,
            "pages": page.paginator.num_pages,
        }
    page.notice = notice  # type: ignore[attr-defined]
    return page
