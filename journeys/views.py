"""Journeys and their stages (the board itself is a page of `pages`, which shows every app)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motmap.forms import add_service_errors, posted
from motmap.tenancy import ensure_editor, get_for_org, org_view

from . import selectors, services
from .forms import JourneyForm, StageDeleteForm, StageForm
from .models import Journey, Stage


def _journey(request, journey_id):
    return get_for_org(Journey.objects.select_related("owner"), request.org, pk=journey_id)


def _stage(request, journey_id, stage_id):
    return get_for_org(
        Stage.objects.select_related("journey", "journey__organisation"),
        request.org,
        pk=stage_id,
        journey_id=journey_id,
    )


def _to_board(journey):
    return redirect("journey_board", org_slug=journey.organisation.slug, journey_id=journey.pk)


@org_view
def journey_create(request):
    ensure_editor(request)
    form = JourneyForm(
        posted(request),
        org=request.org,
        initial={"owner": request.user},
    )
    if request.method == "POST" and form.is_valid():
        try:
            journey = services.journey_create(
                actor=request.user, organisation=request.org, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Journey created. Now add its stages."))
            return redirect("stage_list", org_slug=request.org.slug, journey_id=journey.pk)
    return render(request, "journeys/journey_form.html", {"form": form})


def wants_json(request):
    """The board's script (static/js/board.js) asks for JSON: it redraws the board itself."""
    return "application/json" in request.headers.get("Accept", "")


def is_script_request(request):
    """The board's script or htmx: a refusal is answered in JSON (the script shows the message
    by the board), not with a message on the next page."""
    return request.headers.get("HX-Request") == "true" or wants_json(request)


def script_answer(exc=None, **extra):
    """The JSON answer to the board's script.

    200 {"ok": true}: done. 200 {"ok": false, "reason": "conflict", "message": ...}: not done,
    because the board the person saw is out of date (someone else saved or moved something).
    That is a normal outcome when several people work on one board, not a failed request, so
    the browser does not log it as one. 400 {"ok": false, "message": ...}: a malformed request.
    """
    if exc is None:
        return JsonResponse({"ok": True, **extra})
    body = {"ok": False, "message": " ".join(exc.messages), **extra}
    if isinstance(exc, services.BoardChanged):
        return JsonResponse({**body, "reason": "conflict"})
    return JsonResponse(body, status=400)


@org_view
def journey_edit(request, journey_id):
    ensure_editor(request)
    journey = _journey(request, journey_id)
    form = JourneyForm(posted(request), instance=journey, org=request.org)
    if request.method == "POST" and form.is_valid():
        try:
            services.journey_update(actor=request.user, journey=journey, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Journey saved."))
            return _to_board(journey)
    return render(request, "journeys/journey_form.html", {"form": form, "journey": journey})


@require_POST
@org_view
def journey_archive(request, journey_id):
    journey = _journey(request, journey_id)
    services.journey_archive(actor=request.user, journey=journey)
    messages.success(
        request,
        _("“%(name)s” archived. It is listed apart and can be restored.") % {"name": journey.name},
    )
    return redirect("organisation_home", org_slug=request.org.slug)


@require_POST
@org_view
def journey_restore(request, journey_id):
    journey = _journey(request, journey_id)
    services.journey_restore(actor=request.user, journey=journey)
    messages.success(request, _("“%(name)s” restored.") % {"name": journey.name})
    return _to_board(journey)


@org_view
def journey_delete(request, journey_id):
    ensure_editor(request)
    journey = _journey(request, journey_id)
    if request.method == "POST":
        try:
            services.journey_delete(actor=request.user, journey=journey)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _to_board(journey)
        messages.success(request, _("“%(name)s” deleted.") % {"name": journey.name})
        return redirect("organisation_home", org_slug=request.org.slug)
    is_empty = services.journey_is_empty(journey)
    return render(
        request, "journeys/journey_delete.html", {"journey": journey, "is_empty": is_empty}
    )


@org_view
def stage_list(request, journey_id):
    journey = _journey(request, journey_id)
    if request.method == "POST":
        ensure_editor(request)
    form = StageForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_create(actor=request.user, journey=journey, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Stage added."))
            return redirect("stage_list", org_slug=request.org.slug, journey_id=journey.pk)
    stages = selectors.stages_with_counts(journey)
    return render(
        request, "journeys/stage_list.html", {"journey": journey, "stages": stages, "form": form}
    )


@org_view
def stage_edit(request, journey_id, stage_id):
    ensure_editor(request)
    stage = _stage(request, journey_id, stage_id)
    form = StageForm(posted(request), initial={"name": stage.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_rename(actor=request.user, stage=stage, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Stage renamed."))
            return redirect("stage_list", org_slug=request.org.slug, journey_id=journey_id)
    return render(request, "journeys/stage_form.html", {"form": form, "stage": stage})


def _place(value):
    """The place a stage or touchpoint was dropped at (from 0), as posted; None if not given."""
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({"index": _("Say where to put it: a place from 0.")}) from None


@require_POST
@org_view
def stage_move(request, journey_id, stage_id):
    """One place up or down (`direction`), or to place `index` (a drag on the board, with the
    order of the stages the person saw in `seen`)."""
    ensure_editor(request)
    stage = _stage(request, journey_id, stage_id)
    try:
        index = _place(request.POST.get("index"))
        seen = request.POST.getlist("seen") if index is not None else []
        services.stage_move(
            actor=request.user,
            stage=stage,
            direction=request.POST.get("direction"),
            index=index,
            seen_order=seen or None,
        )
    except ValidationError as exc:
        if is_script_request(request):
            return script_answer(exc)
        messages.error(request, " ".join(exc.messages))
    else:
        if wants_json(request):
            return script_answer()
    back_to = "journey_board" if request.POST.get("back") == "board" else "stage_list"
    return redirect(back_to, org_slug=request.org.slug, journey_id=journey_id)


@org_view
def stage_delete(request, journey_id, stage_id):
    ensure_editor(request)
    stage = _stage(request, journey_id, stage_id)
    form = StageDeleteForm(posted(request), stage=stage)
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_delete(actor=request.user, stage=stage, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Stage “%(name)s” removed.") % {"name": stage.name})
            return redirect("stage_list", org_slug=request.org.slug, journey_id=journey_id)
    count = stage.touchpoints.count()
    return render(
        request,
        "journeys/stage_delete.html",
        {"form": form, "stage": stage, "touchpoint_count": count},
    )
