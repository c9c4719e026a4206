"""Touchpoints: create, read (with history), edit with conflict detection, reorder, delete."""

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from journeys.models import Journey
from journeys.views import is_script_request, script_answer, wants_json
from motmap.forms import add_service_errors, posted
from motmap.qr import qr_response
from motmap.tenancy import ensure_editor, get_for_org, org_view

from . import csv_io, services
from .forms import (
    TouchpointForm,
    TouchpointImportForm,
    TouchpointPlaceForm,
)
from .models import Touchpoint
from .selectors import FIELD_LABELS, conflict_rows, last_saved


def _touchpoint(request, touchpoint_id):
    return get_for_org(
        Touchpoint.objects.select_related("journey", "stage", "owner", "organisation"),
        request.org,
        pk=touchpoint_id,
    )


def _to_board(touchpoint):
    return redirect(
        "journey_board", org_slug=touchpoint.organisation.slug, journey_id=touchpoint.journey_id
    )


@org_view
def touchpoint_create(request, journey_id):
    ensure_editor(request)
    journey = get_for_org(Journey.objects, request.org, pk=journey_id)
    if not journey.stages.exists():
        messages.info(request, _("Add a stage first: every touchpoint belongs to a stage."))
        return redirect("stage_list", org_slug=request.org.slug, journey_id=journey.pk)
    initial = {"stage": request.GET.get("stage")} if request.GET.get("stage") else {}
    form = TouchpointForm(posted(request), journey=journey, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            tp = services.touchpoint_create(
                actor=request.user, journey=journey, stage=data.pop("stage"), **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Touchpoint “%(name)s” added.") % {"name": tp.name})
            return redirect("journey_board", org_slug=request.org.slug, journey_id=journey.pk)
    return render(request, "touchpoints/touchpoint_form.html", {"form": form, "journey": journey})


@org_view
def touchpoint_edit(request, touchpoint_id):
    ensure_editor(request)
    touchpoint = _touchpoint(request, touchpoint_id)
    form = TouchpointForm(
        posted(request),
        instance=touchpoint,
        journey=touchpoint.journey,
    )
    conflict = saved_by = saved_at = None
    if request.method == "POST" and form.is_valid():
        try:
            services.touchpoint_update(
                actor=request.user,
                touchpoint=touchpoint,
                version=form.cleaned_data.get("version") or 0,
                **form.service_data(),
            )
        except services.EditConflict as exc:
            conflict = conflict_rows(exc)
            saved_by, saved_at = last_saved(exc.current)
            form = _resubmittable(form, exc.current)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Touchpoint saved."))
            return redirect(
                "touchpoint_detail", org_slug=request.org.slug, touchpoint_id=touchpoint.pk
            )
    return render(
        request,
        "touchpoints/touchpoint_form.html",
        {
            "form": form,
            "journey": touchpoint.journey,
            "touchpoint": touchpoint,
            "conflict": conflict,
            "saved_by": saved_by,
            "saved_at": saved_at,
        },
        status=409 if conflict is not None else 200,
    )


def _resubmittable(form, current):
    """The user's text kept, with the version they have now seen, so saving again is deliberate."""
    data = form.data.copy()
    data["version"] = current.version
    new_form = TouchpointForm(data, instance=current, journey=current.journey)
    new_form.is_valid()
    return new_form


@require_POST
@org_view
def touchpoint_move(request, touchpoint_id):
    """One place up or down (`direction`, the buttons on the card), or to place `index` of
    `stage` as seen at `version` (a drag on the board)."""
    ensure_editor(request)
    touchpoint = _touchpoint(request, touchpoint_id)
    try:
        if "stage" in request.POST or "index" in request.POST:
            _move_to_place(request, touchpoint)
        else:
            services.touchpoint_move(
                actor=request.user, touchpoint=touchpoint, direction=request.POST.get("direction")
            )
    except services.EditConflict as exc:
        return _move_conflict(request, touchpoint, exc.current)
    except ValidationError as exc:
        if is_script_request(request):
            return script_answer(exc)
        messages.error(request, " ".join(exc.messages))
    else:
        if wants_json(request):
            return script_answer()
    return _to_board(touchpoint)


def _move_to_place(request, touchpoint):
    form = TouchpointPlaceForm(request.POST, journey=touchpoint.journey)
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    services.touchpoint_move(actor=request.user, touchpoint=touchpoint, **form.cleaned_data)


def _saved_by_text(current):
    """Who saved the touchpoint last and when, as words for a message (the name left out when
    it is not known), or "" when nothing is known."""
    saved_by, saved_at = last_saved(current)
    if saved_at is None:
        return ""
    when = date_format(timezone.localtime(saved_at), "j M Y H:i")
    if saved_by is not None:
        return _("saved by %(name)s at %(when)s") % {"name": saved_by.display_name, "when": when}
    return _("saved at %(when)s") % {"when": when}


def _move_conflict(request, touchpoint, current):
    """A drag from an out-of-date board: nothing moved; say who saved since, both versions."""
    saved = _saved_by_text(current)
    message = _(
        "“%(name)s” was not moved: it changed since you loaded the board "
        "(you had version %(yours)s, it is now version %(theirs)s%(saved)s). "
        "Reload the board to see it as it is now."
    ) % {
        "name": current.name,
        "yours": request.POST.get("version", "?"),
        "theirs": current.version,
        "saved": f", {saved}" if saved else "",
    }
    if is_script_request(request):
        return JsonResponse(
            {"ok": False, "reason": "conflict", "message": message, "version": current.version}
        )
    messages.error(request, message)
    return _to_board(touchpoint)


@org_view
def touchpoint_delete(request, touchpoint_id):
    ensure_editor(request)
    touchpoint = _touchpoint(request, touchpoint_id)
    if request.method == "POST":
        try:
            services.touchpoint_delete(actor=request.user, touchpoint=touchpoint)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(
                "touchpoint_detail", org_slug=request.org.slug, touchpoint_id=touchpoint.pk
            )
        messages.success(request, _("Touchpoint “%(name)s” deleted.") % {"name": touchpoint.name})
        return _to_board(touchpoint)
    return render(request, "touchpoints/touchpoint_delete.html", {"touchpoint": touchpoint})


def _idea_form_url(request, touchpoint):
    path = reverse("idea_submit", args=[request.org.slug])
    return f"{settings.SITE_URL}{path}?touchpoint={touchpoint.pk}"


@require_safe
@org_view
def touchpoint_qr(request, touchpoint_id, kind):
    """The touchpoint's QR code (SVG or PNG): it opens the idea form for this touchpoint."""
    touchpoint = _touchpoint(request, touchpoint_id)
    return qr_response(_idea_form_url(request, touchpoint), kind, f"idea-qr-{touchpoint.pk}")


@require_safe
@org_view
def touchpoint_card(request, touchpoint_id):
    """A printable A6 card with the QR code, to put up where the moment happens."""
    touchpoint = _touchpoint(request, touchpoint_id)
    return render(
        request,
        "touchpoints/touchpoint_card.html",
        {"touchpoint": touchpoint, "idea_url": _idea_form_url(request, touchpoint)},
    )


@require_safe
@org_view
def touchpoint_export(request, journey_id):
    """The journey's touchpoints as CSV: every member may read the board, so may export it."""
    journey = get_for_org(Journey.objects, request.org, pk=journey_id)
    stem = slugify(journey.name) or "journey"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{stem}-touchpoints-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    response.write("\ufeff")  # BOM: Excel opens UTF-8 correctly
    csv_io.write_touchpoints(journey, response)
    return response


@org_view
def touchpoint_import(request, journey_id):
    """Upload a CSV, see a preview of every row (nothing saved), then confirm: all or nothing."""
    ensure_editor(request)
    journey = get_for_org(Journey.objects, request.org, pk=journey_id)
    if request.method == "POST" and "payload" in request.POST:
        return _import_confirm(request, journey)
    form = TouchpointImportForm(posted(request), request.FILES or None, organisation=request.org)
    context = _import_context(journey, form)
    if request.method == "POST" and form.is_valid():
        result = services.touchpoint_import(
            actor=request.user, journey=journey, rows=form.parsed.rows
        )
        context = _import_context(journey, form, form.parsed, result)
        if result.has_changes and not result.error_rows:
            context["payload"] = csv_io.pack(
                form.text, versions=result.versions, journey=journey, user=request.user
            )
            context["too_big"] = len(context["payload"]) > _max_post_bytes()
    return render(request, "touchpoints/touchpoint_import.html", context)


def _import_context(journey, form, parsed=None, result=None, **extra):
    context = {"journey": journey, "form": form, "parsed": parsed, "result": result, **extra}
    context["columns"] = ", ".join(column.name for column in csv_io.COLUMNS)
    if result is not None:
        actions = (services.CREATE, services.UPDATE, services.UNCHANGED)
        context["counts"] = {action: result.count(action) for action in actions}
        for row in result.rows:
            row.changed_labels = [FIELD_LABELS.get(name, name) for name in row.changed]
    return context


def _max_post_bytes():
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return float("inf") if limit is None else limit - 10_000


def _import_confirm(request, journey):
    form = TouchpointImportForm(organisation=request.org)
    try:
        text, versions = csv_io.unpack(request.POST["payload"], journey=journey, user=request.user)
        parsed = csv_io.read_touchpoints(text, organisation=request.org)
        if parsed.errors:  # the preview read it without; refuse rather than save part of it
            raise signing.BadSignature(parsed.errors)
    except signing.BadSignature:
        context = _import_context(journey, form, refused=True)
        return render(request, "touchpoints/touchpoint_import.html", context, status=400)
    result = services.touchpoint_import(
        actor=request.user, journey=journey, rows=parsed.rows, versions=versions, save=True
    )
    if result.saved:
        messages.success(request, _import_summary(result))
        return redirect("journey_board", org_slug=request.org.slug, journey_id=journey.pk)
    context = _import_context(journey, form, parsed, result)
    return render(request, "touchpoints/touchpoint_import.html", context, status=409)


def _import_summary(result):
    created, updated = result.count(services.CREATE), result.count(services.UPDATE)
    if not created and not updated:
        return _("Nothing changed: the journey already matches the file.")
    text = ngettext(
        "%(created)d touchpoint created, %(updated)d updated.",
        "%(created)d touchpoints created, %(updated)d updated.",
        created,
    ) % {"created": created, "updated": updated}
    if result.new_stages:
        text += " " + ngettext("%(n)d new stage.", "%(n)d new stages.", len(result.new_stages)) % {
            "n": len(result.new_stages)
        }
    return text
