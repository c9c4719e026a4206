"""Review meetings: the dashboard, a journey's reviews, starting, walking and completing one.

Every form on the review page is its own POST that redirects back to the touchpoint's anchor,
so the page works without JavaScript. Bad input re-renders the page with that form's errors
and the typed text kept.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from ideas.models import WAITING_STATUSES, Idea
from ideas.services import idea_change_status
from journeys.forms import org_users
from journeys.models import Journey
from journeys.services import journey_set_next_review
from motmap.forms import add_service_errors, posted
from motmap.tenancy import ensure_editor, get_for_org, org_view
from touchpoints.services import EditConflict

from . import selectors, services
from .forms import (
    ActionCloseForm,
    ActionForm,
    CompleteForm,
    DecideForm,
    NextReviewForm,
    RatingForm,
    ReviewForm,
)
from .models import Action, ActionStatus, Review, ReviewRating


def _journey(request, journey_id):
    return get_for_org(Journey.objects.select_related("organisation"), request.org, pk=journey_id)


def _review(request, review_id):
    return get_for_org(
        Review.objects.select_related("journey", "organisation", "started_by", "completed_by"),
        request.org,
        pk=review_id,
    )


def _open_review(request, review_id):
    """(review, None) for an editor changing an open review; (review, redirect back to it with
    a message) when it is already completed and can no longer change."""
    ensure_editor(request)
    review = _review(request, review_id)
    if review.is_completed:
        messages.info(request, services.completed_message())
        return review, _to_review(review)
    return review, None


def _to_review(review, anchor=""):
    url = reverse("review_detail", args=[review.organisation.slug, review.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)



@require_safe
@org_view
def review_dashboard(request):
    data = selectors.dashboard(request.org, services.local_today(request.org))
    return render(request, "reviews/dashboard.html", {"dashboard": data})


@require_safe
@org_view
def review_list(request, journey_id):
    journey = _journey(request, journey_id)
    reviews = list(selectors.journey_reviews(journey))
    return render(request, "reviews/review_list.html", {"journey": journey, "reviews": reviews})


@org_view
def review_start(request, journey_id):
    ensure_editor(request)
    journey = _journey(request, journey_id)
    users = list(org_users(request.org))
    initial = {"held_on": services.local_today(request.org), "attendees": [str(request.user.pk)]}
    form = ReviewForm(posted(request), users=users, initial=initial)
    open_review = None
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_start(actor=request.user, journey=journey, **form.cleaned_data)
        except services.ReviewAlreadyOpen as exc:
            open_review = exc.review
            add_service_errors(form, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Review started. Walk the moments in customer order."))
            return _to_review(review)
    return render(
        request,
        "reviews/review_start.html",
        {"journey": journey, "form": form, "open_review": open_review},
    )


@org_view
def review_edit(request, review_id):
    """Correct the date, attendees and guests of an open review."""
    review, closed = _open_review(request, review_id)
    if closed:
        return closed
    initial = {
        "held_on": review.held_on,
        "attendees": [str(pk) for pk in review.attendees.values_list("pk", flat=True)],
        "guests": review.guests,
    }
    form = ReviewForm(posted(request), users=list(org_users(request.org)), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_update(actor=request.user, review=review, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Review details saved."))
            return _to_review(review)
    context = {"review": review, "journey": review.journey, "form": form}
    return render(request, "reviews/review_edit.html", context)


@org_view
def review_cancel(request, review_id):
    """GET says what cancelling does; POST cancels (an open review only)."""
    review, closed = _open_review(request, review_id)
    if closed:
        return closed
    if request.method == "POST":
        try:  # completed or cancelled by someone else meanwhile: say so on the board
            kept = services.review_cancel(actor=request.user, review=review)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _cancelled_message(kept))
        return redirect("journey_board", org_slug=request.org.slug, journey_id=review.journey_id)
    context = {
        "review": review,
        "journey": review.journey,
        "noted": review.ratings.exclude(rating=None, note="").count(),
        "actions": list(review.actions.select_related("owner").order_by("due_on")),
    }
    return render(request, "reviews/review_cancel.html", context)


def _cancelled_message(kept):
    if not kept:
        return _("Review cancelled.")
    return ngettext(
        "Review cancelled. The action agreed in it is kept.",
        "Review cancelled. The %(n)d actions agreed in it are kept.",
        kept,
    ) % {"n": kept}


def _page_context(request, review, bound=None):
    """The review page: a form per touchpoint unless the review is completed (a record)."""
    page = selectors.review_page(review)
    context = {"review": review, "journey": review.journey, "page": page, "editable": False}
    if review.is_completed or not request.membership.can_edit:
        return context
    bound = bound or {}
    users = list(org_users(request.org))
    touchpoints = [row.touchpoint for row in page.rows if row.touchpoint]
    for row in page.rows:
        tp = row.touchpoint
        initial = {"rating": row.rating, "note": row.note}
        if tp is not None:
            initial |= {
                "desired_outcome": tp.desired_outcome,
                "customer_wants": tp.customer_wants,
                "version": tp.version,
            }
        row.form = bound.get(("rating", row.pk)) or RatingForm(
            initial=initial, previous=row.previous_rating, auto_id=f"r{row.position}_%s"
        )
        row.action_form = bound.get(("action", row.pk)) or ActionForm(
            users=users,
            touchpoints=touchpoints,
            initial={"touchpoint": str(tp.pk) if tp else ""},
            auto_id=f"a{row.position}_%s",
        )
        for idea in row.waiting_ideas:
            idea.form = bound.get(("idea", idea.pk)) or DecideForm(auto_id=f"i{idea.number}_%s")
    context["editable"] = True
    context["conflict"] = bound.get("conflict")
    return context


def _render_review(request, review, bound=None, status=200):
    return render(
        request, "reviews/review_detail.html", _page_context(request, review, bound), status=status
    )


@require_safe
@org_view
def review_detail(request, review_id):
    return _render_review(request, _review(request, review_id))


def _row(review, rating_id):
    """A rating row of `review` (already fetched for the org), or 404."""
    return get_object_or_404(
        ReviewRating.objects.select_related("review", "review__organisation", "touchpoint"),
        pk=rating_id,
        review=review,
    )


@require_POST
@org_view
def review_rating_save(request, review_id, rating_id):
    ensure_editor(request)
    review = _review(request, review_id)
    row = _row(review, rating_id)
    form = RatingForm(request.POST, previous=row.previous_rating, auto_id=f"r{row.position}_%s")
    if form.is_valid():
        try:
            services.review_rating_save(actor=request.user, rating_row=row, **form.cleaned_data)
        except EditConflict as exc:
            return _conflict(request, review, row, form, exc.current)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("“%(name)s” saved.") % {"name": row.touchpoint_name})
            return _to_review(review, f"tp-{row.position}")
    return _render_review(request, review, {("rating", row.pk): form})


def _conflict(request, review, row, form, current):
    """Someone saved the touchpoint's texts meanwhile: show both, keep the user's text."""
    data = form.data.copy()
    data["version"] = current.version
    fresh = RatingForm(data, previous=row.previous_rating, auto_id=f"r{row.position}_%s")
    fresh.is_valid()
    conflict = {
        "row": row,
        "fields": [
            (label, form.cleaned_data.get(name), getattr(current, name))
            for name, label in (
                ("desired_outcome", _("Desired outcome")),
                ("customer_wants", _("What customers want")),
            )
            if form.cleaned_data.get(name) != getattr(current, name)
        ],
    }
    bound = {("rating", row.pk): fresh, "conflict": conflict}
    return _render_review(request, review, bound, status=409)


@require_POST
@org_view
def review_action_add(request, review_id):
    ensure_editor(request)
    review = _review(request, review_id)
    users = list(org_users(request.org))
    rows = list(review.ratings.select_related("touchpoint").order_by("position"))
    touchpoints = [r.touchpoint for r in rows if r.touchpoint]
    row = next((r for r in rows if str(r.touchpoint_id) == request.POST.get("touchpoint")), None)
    position = row.position if row else 0
    form = ActionForm(request.POST, users=users, touchpoints=touchpoints, auto_id=f"a{position}_%s")
    if form.is_valid():
        try:
            services.action_create(actor=request.user, review=review, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Action agreed."))
            return _to_review(review, f"tp-{position}" if row else "actions")
    if row is None:
        messages.error(request, " ".join(_flat_errors(form)))
        return _to_review(review, "actions")
    return _render_review(request, review, {("action", row.pk): form})


def _flat_errors(form):
    return [str(e) for errors in form.errors.values() for e in errors]


@require_POST
@org_view
def review_idea_decide(request, review_id, idea_id):
    ensure_editor(request)
    review = _review(request, review_id)
    idea = get_for_org(Idea.objects.select_related("touchpoint"), request.org, pk=idea_id)
    row = review.ratings.filter(touchpoint_id=idea.touchpoint_id).first()
    anchor = f"tp-{row.position}" if row else ""
    form = DecideForm(request.POST, auto_id=f"i{idea.number}_%s")
    if review.is_completed:
        messages.error(request, services.completed_message())
        return _to_review(review)
    if form.is_valid():
        try:
            idea_change_status(actor=request.user, idea=idea, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Decision on #%(n)d saved.") % {"n": idea.number})
            return _to_review(review, anchor)
    if row is None or idea.status not in WAITING_STATUSES:
        messages.error(request, " ".join(_flat_errors(form)))
        return _to_review(review, anchor)
    return _render_review(request, review, {("idea", idea.pk): form})


@org_view
def review_complete(request, review_id):
    review, closed = _open_review(request, review_id)
    if closed:
        return closed
    form = CompleteForm(posted(request), initial={"summary": review.summary})
    if request.method == "POST" and form.is_valid():
        try:
            services.review_complete(actor=request.user, review=review, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Review completed. It is kept as a record."))
            return _to_review(review)
    ratings = list(review.ratings.only("rating"))
    unrated = sum(1 for r in ratings if r.rating is None)
    return render(
        request,
        "reviews/review_complete.html",
        {
            "review": review,
            "journey": review.journey,
            "form": form,
            "unrated": unrated,
            "total": len(ratings),
        },
    )


def _action(request, action_id):
    return get_for_org(
        Action.objects.select_related("organisation", "journey", "owner", "touchpoint", "review"),
        request.org,
        pk=action_id,
    )


def _back_from_action(request, action):
    if request.POST.get("back") == "review" and action.review_id:
        return _to_review(action.review, "actions")
    return redirect(reverse("review_dashboard", args=[request.org.slug]) + "#actions")


@org_view
def action_edit(request, action_id):
    ensure_editor(request)
    action = _action(request, action_id)
    users = list(org_users(request.org))
    touchpoints = list(action.journey.touchpoints.select_related("stage").in_customer_order())
    initial = {
        "title": action.title,
        "owner": str(action.owner_id or ""),
        "due_on": action.due_on,
        "touchpoint": str(action.touchpoint_id or ""),
    }
    form = ActionForm(
        posted(request),
        users=users,
        touchpoints=touchpoints,
        initial=initial,
        hide_touchpoint=False,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(actor=request.user, action=action, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Action saved."))
            return _back_from_action(request, action)
    return render(request, "reviews/action_form.html", {"action": action, "form": form})


@require_POST
@org_view
def action_close(request, action_id):
    action = _action(request, action_id)
    form = ActionCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Mark the action done or dropped."))
        return _back_from_action(request, action)
    try:
        services.action_close(actor=request.user, action=action, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("“%(title)s” marked %(status)s.")
            % {
                "title": action.title,
                "status": ActionStatus(form.cleaned_data["status"]).label.lower(),
            },
        )
    return _back_from_action(request, action)


@org_view
def journey_next_review(request, journey_id):
    ensure_editor(request)
    journey = _journey(request, journey_id)
    form = NextReviewForm(posted(request), initial={"next_review_on": journey.next_review_on})
    if request.method == "POST" and form.is_valid():
        try:
            journey_set_next_review(actor=request.user, journey=journey, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Next review date saved."))
            return redirect("journey_board", org_slug=request.org.slug, journey_id=journey.pk)
    return render(request, "reviews/next_review_form.html", {"journey": journey, "form": form})
