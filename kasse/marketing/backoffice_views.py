"""Back-office pages of campaigns (MANAGE_CUSTOMERS): list, write, preview the segment, send, report.

A campaign mails every customer of the organization and shows its message on every store's idle screens, so
a manager bound to one store reads the campaigns; writing and sending them needs the capability in every store
(the services check it again)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kasse.backoffice.access import backoffice_view
from kasse.core.actors import Actor
from kasse.marketing.models import Campaign, CampaignStatus
from kasse.marketing.reports import campaign_report
from kasse.marketing.segments import consenting, segment
from kasse.marketing.services import CAMPAIGN_FIELDS, save_campaign, send_campaign
from kasse.tenancy.permissions import Capability
from kasse.tenancy.requests import BackofficeRequest
from kasse.tenancy.selectors import has_capability_everywhere

campaigns_view = backoffice_view(Capability.MANAGE_CUSTOMERS)


def _may_write(request: BackofficeRequest) -> bool:
    return has_capability_everywhere(request.employee, Capability.MANAGE_CUSTOMERS)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = list(CAMPAIGN_FIELDS)
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8}),
            "display_from": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "display_until": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }


@require_GET
@campaigns_view
def campaign_list(request: BackofficeRequest) -> HttpResponse:
    campaigns = Campaign.objects.filter(organization=request.organization)
    context = {"campaigns": campaigns, "may_write": _may_write(request)}
    return render(request, "marketing/campaign_list.html", context)


@require_http_methods(["GET", "POST"])
@campaigns_view
def campaign_edit(request: BackofficeRequest, pk: str | None = None) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects, pk=pk) if pk else None
    if not _may_write(request):
        raise PermissionDenied
    if campaign is not None and campaign.status != CampaignStatus.DRAFT and request.method == "POST":
        messages.error(request, _("This campaign has been sent already."))
        return redirect("marketing:campaign-detail", pk=campaign.pk)
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_campaign(
                actor=Actor.for_user(request.user),
                organization=request.organization,
                data={name: form.cleaned_data[name] for name in CAMPAIGN_FIELDS},
                campaign=campaign,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect("marketing:campaign-detail", pk=saved.pk)
    status = 422 if form.errors else 200
    return render(request, "marketing/campaign_form.html", {"form": form, "campaign": campaign}, status=status)


@require_GET
@campaigns_view
def campaign_detail(request: BackofficeRequest, pk: str) -> HttpResponse:
    campaign: Campaign = get_object_or_404(Campaign.objects, pk=pk)
    context: dict[str, object] = {
        "campaign": campaign,
        "report": campaign_report(campaign),
        "may_write": _may_write(request),
    }
    try:
        members = segment(campaign.organization_id, campaign.segment, campaign.segment_value)
        context["members"] = members.count()
        context["reachable"] = consenting(members).count()
    except ValidationError as exc:
        context["segment_error"] = " ".join(exc.messages)
    return render(request, "marketing/campaign_detail.html", context)


@require_POST
@campaigns_view
def campaign_send(request: BackofficeRequest, pk: str) -> HttpResponse:
    campaign: Campaign = get_object_or_404(Campaign.objects, pk=pk)
    if not _may_write(request):
        raise PermissionDenied
    try:
        count = send_campaign(actor=Actor.for_user(request.user), campaign=campaign)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The campaign is being sent to %(n)s customers.") % {"n": count})
    return redirect("marketing:campaign-detail", pk=campaign.pk)
