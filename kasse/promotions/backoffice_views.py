"""Back-office pages of the promotions: the list (with coupon uses) and the form.

Capability MANAGE_CATALOG in every store (whoever sets the prices every store charges sets offers);
a store-bound manager reads the list only. Writes go through
:func:`kasse.promotions.services.save_promotion`; an error is shown by its field and nothing is saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kasse.backoffice.access import organization_wide_view
from kasse.core.actors import Actor
from kasse.promotions.forms import PromotionForm
from kasse.promotions.models import Promotion
from kasse.promotions.services import save_promotion
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest

# Promotions apply in every store: a store-bound manager reads the list; creating and changing them is for
# owners and all-stores managers (the service checks it again).
list_view = organization_wide_view(Capability.MANAGE_CATALOG, readable=True, flag="may_change_catalog")
change_view = organization_wide_view(Capability.MANAGE_CATALOG, readable=False, flag="may_change_catalog")


@require_GET
@list_view
def promotion_list(request: BackofficeRequest) -> HttpResponse:
    promotions = Promotion.objects.filter(organization=request.organization).annotate(
        uses=Count("sale_lines__sale", filter=Q(sale_lines__sale__kind="sale"), distinct=True)
    )
    return render(request, "promotions/promotion_list.html", {"promotions": promotions.order_by("-is_active", "name")})


def _page(request: BackofficeRequest, promotion: Promotion | None) -> HttpResponse:
    org = request.organization
    form = PromotionForm(request.POST or None, instance=promotion or Promotion(organization=org), organization=org)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = save_promotion(
                    actor=Actor.for_user(request.user),
                    organization=org,
                    data=form.service_data(),
                    promotion=Promotion.objects.get(pk=promotion.pk) if promotion else None,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("“%(name)s” has been saved.") % {"name": saved.name})
                return redirect("promotions:promotion-list")
        status = 400
    return render(request, "promotions/promotion_form.html", {"form": form, "promotion": promotion}, status=status)


@require_http_methods(["GET", "POST"])
@change_view
def promotion_create(request: BackofficeRequest) -> HttpResponse:
    return _page(request, None)


@require_http_methods(["GET", "POST"])
@change_view
def promotion_edit(request: BackofficeRequest, pk: str) -> HttpResponse:
    return _page(request, get_object_or_404(Promotion.objects, pk=pk))
