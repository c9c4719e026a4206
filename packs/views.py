"""The review pack's pages: print view and PDF of a journey, stored packs, the org pack.

The print view (`/o/<org>/journeys/<id>/pack/`) and the PDF (`.../pack.pdf`) render the same
template (templates/print/pack.html); the PDF adds nothing but `for_pdf`. A PDF opens in the
browser; with `?download=1` ("Download PDF") it is saved as a file. Any member may read
and download packs (staff too: read-only); starting a whole-organisation pack is for editors
(the service refuses others). Another organisation's journey or pack is a 404.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from journeys.models import Journey
from motmap.forms import Form, posted
from motmap.tenancy import get_for_org, org_view
from reviews.models import Review, ReviewStatus

from . import pdf, selectors, services
from .models import PackKind, PackStatus, StoredPack


class PackOptionsForm(Form):
    """`?paper=A4|letter&quarter=2027-Q1&review=<uuid>`: every part optional."""

    paper = forms.CharField(required=False, max_length=20)
    quarter = forms.CharField(required=False, max_length=20)
    review = forms.UUIDField(
        required=False, error_messages={"invalid": gettext_lazy("That is not a review’s id.")}
    )

    def __init__(self, data, *, org, journey=None):
        super().__init__(data)
        self.org, self.journey = org, journey

    def clean_paper(self):
        paper = services.normalise_paper(self.cleaned_data["paper"], self.org.paper_size)
        if paper is None:
            raise forms.ValidationError(_("Paper must be A4 or letter."))
        return paper

    def clean_quarter(self):
        value = self.cleaned_data["quarter"]
        if not value:
            return None
        try:
            return selectors.quarter_period(value, self.org.tzinfo)
        except selectors.InvalidPeriod as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_review(self):
        pk = self.cleaned_data["review"]
        if pk is None:
            return None
        review = Review.objects.for_org(self.org).filter(pk=pk, journey=self.journey).first()
        if review is None:
            raise forms.ValidationError(_("This journey has no review with that id."))
        return review

    def clean(self):
        data = super().clean()
        if data.get("quarter") and data.get("review"):
            raise forms.ValidationError(_("Choose either a quarter or a review, not both."))
        return data


def _journey(request, journey_id):
    return get_for_org(Journey.objects.select_related("owner"), request.org, pk=journey_id)


def _options(request, journey):
    form = PackOptionsForm(request.GET, org=request.org, journey=journey)
    if form.is_valid():
        return form, None
    response = render(
        request, "packs/pack_options_error.html", {"form": form, "journey": journey}, status=400
    )
    return form, response


def _journey_context(request, journey, form, *, for_pdf):
    data = form.cleaned_data
    pack = selectors.gather_journey_pack(journey, period=data["quarter"], review=data["review"])
    return services.pack_context(
        org=request.org,
        packs=[pack],
        paper=data["paper"],
        for_pdf=for_pdf,
        quarters=selectors.recent_quarters(request.org.tzinfo),
        quarter=data["quarter"].quarter if data["quarter"] else "",
        review_id=data["review"].pk if data["review"] else "",
        back_url=reverse("journey_board", args=[request.org.slug, journey.pk]),
        pdf_url=reverse("journey_pack_pdf", args=[request.org.slug, journey.pk])
        + f"?{_download_query(request)}",
        packs_url=reverse("journey_pack_list", args=[request.org.slug, journey.pk]),
    )


@require_safe
@org_view
def journey_pack(request, journey_id):
    """The print view: the pack as a page, laid out for paper by print CSS."""
    journey = _journey(request, journey_id)
    form, error = _options(request, journey)
    if error:
        return error
    context = _journey_context(request, journey, form, for_pdf=False)
    return HttpResponse(services.render_pack_html(context, request=request))


@require_safe
@org_view
def journey_pack_pdf(request, journey_id):
    """The same pack as a PDF: made now (one journey: about a second), or from the cache when
    nothing in it changed since it was last made."""
    journey = _journey(request, journey_id)
    form, error = _options(request, journey)
    if error:
        return error
    context = _journey_context(request, journey, form, for_pdf=True)
    try:
        content = services.journey_pack_pdf(context)
    except pdf.PdfUnavailable:
        return _pdf_unavailable(request, journey)
    name = slugify(journey.name) or "journey"
    return _pdf_response(
        content,
        f"pack-{name}-{timezone.localdate():%Y-%m-%d}.pdf",
        download=_wants_download(request),
    )


def _pdf_unavailable(request, journey=None):
    return render(
        request,
        "packs/pdf_unavailable.html",
        {"journey": journey},
        status=503,
    )


def _wants_download(request):
    """`?download=1`: save the PDF as a file ("Download PDF"); without it, open it ("Open")."""
    return request.GET.get("download") == "1"


def _download_query(request):
    """The print view's own choices (paper, period, review), plus download=1."""
    query = request.GET.copy()
    query["download"] = "1"
    return query.urlencode()


def _pdf_response(content, filename, *, download=False):
    response = HttpResponse(bytes(content), content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@org_view
def journey_pack_list(request, journey_id):
    """The packs stored for a journey: one per completed review, as it was printed then."""
    journey = _journey(request, journey_id)
    stored = list(
        StoredPack.objects.for_org(request.org)
        .without_pdf()
        .filter(journey=journey)
        .select_related("review")
    )
    reviews = list(
        Review.objects.for_org(request.org)
        .filter(journey=journey, status=ReviewStatus.COMPLETED)
        .order_by("-completed_at")
    )
    by_review = {p.review_id: p for p in stored if p.review_id}
    for review in reviews:
        review.stored_pack = by_review.get(review.pk)
    return render(
        request,
        "packs/journey_pack_list.html",
        {
            "journey": journey,
            "reviews": reviews,
            "quarters": selectors.recent_quarters(request.org.tzinfo),
        },
    )


class OrgPackForm(Form):
    paper = forms.CharField(required=False, max_length=20)

    def __init__(self, data, *, org):
        super().__init__(data)
        self.org = org

    def clean_paper(self):
        paper = services.normalise_paper(self.cleaned_data["paper"], self.org.paper_size)
        if paper is None:
            raise forms.ValidationError(_("Paper must be A4 or letter."))
        return paper


@require_http_methods(["GET", "HEAD", "POST"])
@org_view
def org_pack_list(request):
    """Whole-organisation packs: start one (editors), follow it, download it (members)."""
    form = OrgPackForm(posted(request), org=request.org)
    if request.method == "POST":
        if not request.membership.can_edit:
            raise PermissionDenied(_("Only managers and owners can start a pack."))
        if form.is_valid():
            pack = services.org_pack_start(
                actor=request.user, organisation=request.org, paper=form.cleaned_data["paper"]
            )
            messages.success(request, _("The pack is being made. This page shows its progress."))
            return redirect("stored_pack_detail", request.org.slug, pack.pk)
    packs = (
        StoredPack.objects.for_org(request.org)
        .without_pdf()
        .filter(kind=PackKind.ORGANISATION)
        .select_related("created_by")[:20]
    )
    status = 400 if form.is_bound else 200
    return render(
        request, "packs/org_pack_list.html", {"form": form, "packs": packs}, status=status
    )


def _stored(request, pack_id):
    return get_for_org(
        StoredPack.objects.without_pdf().select_related("journey", "review", "created_by"),
        request.org,
        pk=pack_id,
    )


@require_safe
@org_view
def stored_pack_detail(request, pack_id):
    """A stored pack's progress (polled by htmx, or refreshed without JS) and its download."""
    pack = _stored(request, pack_id)
    template = (
        "packs/_pack_status.html"
        if request.headers.get("HX-Request")
        else ("packs/stored_pack_detail.html")
    )
    return render(request, template, {"pack": pack, "PackStatus": PackStatus})


@require_safe
@org_view
def stored_pack_pdf(request, pack_id):
    """Download a stored pack, only through this org-checked view."""
    pack = _stored(request, pack_id)
    if not pack.is_ready:
        messages.info(request, _("This pack is not ready yet."))
        return redirect("stored_pack_detail", request.org.slug, pack.pk)
    content = StoredPack.objects.filter(pk=pack.pk).values_list("pdf", flat=True).get()
    name = slugify(pack.title) or "pack"
    return _pdf_response(content, f"{name}.pdf", download=_wants_download(request))
