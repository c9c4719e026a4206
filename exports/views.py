"""The export page of an organisation (owners), its downloads, and the import of an export.

`/o/<org>/export/`: the recent exports with their progress (polled by htmx while one is being
made, refreshed by the page itself without JavaScript) and "Export everything". The ZIP is
downloaded only through `export_download`, org-checked, for owners, until it expires (404
after). `/orgs/import/`: any logged-in person makes a new organisation of an export.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from motmap.forms import add_service_errors, posted
from motmap.tenancy import ensure_owner, get_for_org, org_view

from . import selectors, services
from .forms import OrganisationImportForm
from .models import OrganisationExport


@require_http_methods(["GET", "HEAD", "POST"])
@org_view
def export_list(request):
    ensure_owner(request)
    if request.method == "POST":
        services.export_start(actor=request.user, organisation=request.org)
        messages.success(request, _("The export is being made. This page shows its progress."))
        return redirect("export_list", request.org.slug)
    exports = list(selectors.recent_exports(request.org))
    partial = bool(request.headers.get("HX-Request"))
    return render(
        request,
        "exports/_export_table.html" if partial else "exports/export_list.html",
        {
            "exports": exports,
            "pending": any(export.is_pending for export in exports),
            "now": timezone.now(),
            "keep_days": services.KEEP_DAYS,
        },
    )


@require_safe
@org_view
def export_download(request, export_id):
    ensure_owner(request)
    export = get_for_org(OrganisationExport.objects.without_file(), request.org, pk=export_id)
    if export.is_pending:
        messages.info(request, _("This export is not ready yet."))
        return redirect("export_list", request.org.slug)
    try:
        content = services.export_file(actor=request.user, export=export)
    except LookupError:  # failed, or past its time
        raise Http404 from None
    stamp = timezone.localtime(export.created_at).strftime("%Y-%m-%d")
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="motmap-{request.org.slug}-{stamp}.zip"'
    )
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def organisation_import(request):
    form = OrganisationImportForm(
        posted(request), request.FILES if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_import(
                actor=request.user,
                name=form.cleaned_data["name"],
                file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is imported, and you are its owner.") % {"name": org.name},
            )
            return redirect("organisation_home", org_slug=org.slug)
    return render(request, "exports/organisation_import.html", {"form": form})
