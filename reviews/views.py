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

from ideas.models import Idea
from journeys.forms import org_users
from journeys.models import Journey
from journeys.services import journey_set_next_review
from motmap.forms import add_service_errors, posted
from motmap.tenancy import ensure_editor, get_for_org, org_view
from touchpoints.selectors import last_saved
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


def _stored(row):
    """A card's values as stored: the rating row's, and its touchpoint's texts and version."""
    values = {"rating": row.rating, "note": row.note}
    tp = row.touchpoint
    if tp is not None:
        values |= {
            "desired_outcome": tp.desired_outcome,
            "customer_wants": tp.customer_wants,
            "version": tp.version,
        }
    return values


def _meeting_forms(request, review, page, data=None):
    """Give each row of the review page its forms: the card (rating, note, texts), a new
    action and a decision per waiting idea, all parts of one HTML form, bound to `data` (the
    whole page as posted) or showing what is stored."""
    users = list(org_users(request.org))
    touchpoints = [row.touchpoint for row in page.rows if row.touchpoint]
    for row in page.rows:
        tp = row.touchpoint
        row.form = RatingForm(
            data,
            initial=_stored(row),
            previous=row.previous_rating,
            prefix=f"r{row.position}",
            auto_id="%s",
        )
        action = {
            "users": users,
            "touchpoints": touchpoints,
            "initial": {"touchpoint": str(tp.pk) if tp else ""},
            "prefix": f"a{row.position}",
            "auto_id": "%s",
        }
        row.action_form = ActionForm(data, **action)
        if data is not None and not row.action_form.has_changed():
            row.action_form = ActionForm(**action)  # left empty: not an action, no errors
        for idea in row.waiting_ideas:
            idea.form = DecideForm(
                data, idea_status=idea.status, prefix=f"i{idea.number}", auto_id="%s"
            )


def _page_context(request, review, data=None, conflicts=None):
    """The review page: one form over every card unless the review is completed (a record)."""
    page = selectors.review_page(review)
    context = {"review": review, "journey": review.journey, "page": page, "editable": False}
    if review.is_completed or not request.membership.can_edit:
        return context
    _meeting_forms(request, review, page, data)
    context["editable"] = True
    by_pk = {row.pk: row for row in page.rows}
    for conflict in conflicts or []:
        row = by_pk[conflict["row"].pk]
        row.conflict = conflict | {"row": row}
    if data is not None:
        context["failed"] = _failed_rows(page)
    return context


def _failed_rows(page):
    return [
        row
        for row in page.rows
        if row.form.errors
        or row.action_form.errors
        or getattr(row, "conflict", None)
        or any(idea.form.errors for idea in row.waiting_ideas)
    ]


def _render_review(request, review, data=None, conflicts=None, status=200):
    context = _page_context(request, review, data, conflicts)
    return render(request, "reviews/review_detail.html", context, status=status)


@require_safe
@org_view
def review_detail(request, review_id):
    return _render_review(request, _review(request, review_id))


def _conflict_for(row, conflict):
    """Someone saved the touchpoint's texts meanwhile: both versions, and who saved theirs."""
    current = conflict.current
    who, when = last_saved(current)
    return {
        "row": row,
        "who": who,
        "when": when,
        "version": current.version,
        "fields": [
            (label, conflict.fields[name], getattr(current, name))
            for name, label in (
                ("desired_outcome", _("Desired outcome")),
                ("customer_wants", _("What customers want")),
            )
            if name in conflict.fields
        ],
    }


def _take_current_version(data, row, current):
    """The posted page, with the card's version moved on to the one now stored: saving again
    after reading the conflict keeps this person's text deliberately."""
    data = data.copy()
    data[f"r{row.position}-version"] = str(current.version)
    return data


@require_POST
@org_view
def review_save(request, review_id):
    """Every Save button of the review page posts the whole page here: each card that changed,
    each action typed and each decision chosen is saved, all or nothing; so nothing typed on
    one card is lost by pressing another card's button (or Complete review)."""
    ensure_editor(request)
    review = _review(request, review_id)
    if review.is_completed:
        messages.info(request, services.completed_message())
        return _to_review(review)
    page = selectors.review_page(review)
    _meeting_forms(request, review, page, request.POST)
    ratings, actions, decisions, invalid = {}, {}, {}, False
    ideas = {}
    for row in page.rows:
        if row.form.changed():
            if row.form.is_valid():
                ratings[("rating", row.pk)] = {"rating_row": row, **row.form.service_fields()}
            else:
                invalid = True
        if row.action_form.is_bound:  # something typed in it
            if row.action_form.is_valid():
                actions[("action", row.pk)] = row.action_form.cleaned_data
            else:
                invalid = True
        for idea in row.waiting_ideas:
            ideas[idea.number] = idea
            form = idea.form
            if not form.is_valid():
                invalid = True
            elif form.cleaned_data["status"]:
                decision = _decision(request, form)
                if decision is None:
                    invalid = True
                else:
                    decisions[("idea", idea.pk)] = {"idea": idea, **decision}
    if invalid:
        context = {"review": review, "journey": review.journey, "page": page, "editable": True}
        context["failed"] = _failed_rows(page)
        return render(request, "reviews/review_detail.html", context, status=200)
    try:
        services.review_meeting_save(
            actor=request.user,
            review=review,
            ratings=ratings,
            actions=actions,
            decisions=decisions,
        )
    except services.MeetingNotSaved as exc:
        return _meeting_refused(request, review, page, exc.errors)
    except ValidationError as exc:  # cancelled or completed meanwhile
        messages.error(request, " ".join(exc.messages))
        return _to_review(review)
    saved = _saved_message(len(ratings), len(actions), len(decisions))
    messages.success(request, saved or _("Everything is saved."))
    if "complete" in request.POST:
        return redirect("review_complete", org_slug=request.org.slug, review_id=review.pk)
    return _to_review(review, _anchor(request.POST.get("at"), page))


def _decision(request, form):
    """The service's arguments for a decision, or None (with the error on the form) when the
    original of a duplicate names no idea of this organisation."""
    data = form.cleaned_data
    original = None
    if data["duplicate_of"]:
        original = Idea.objects.for_org(request.org).filter(number=data["duplicate_of"]).first()
        if original is None:
            form.add_error("duplicate_of", _("There is no idea with this number."))
            return None
    return {"status": data["status"], "note": data["note"], "duplicate_of": original}


def _anchor(value, page):
    """The card whose button was pressed (its position), else the top of the page."""
    positions = {str(row.position) for row in page.rows}
    return f"tp-{value}" if value in positions else ""


def _saved_message(ratings, actions, decisions):
    parts = []
    if ratings:
        parts.append(
            ngettext("%(n)d moment saved", "%(n)d moments saved", ratings) % {"n": ratings}
        )
    if actions:
        parts.append(
            ngettext("%(n)d action agreed", "%(n)d actions agreed", actions) % {"n": actions}
        )
    if decisions:
        parts.append(
            ngettext("%(n)d idea decided", "%(n)d ideas decided", decisions) % {"n": decisions}
        )
    return (", ".join(parts) + ".") if parts else ""


def _meeting_refused(request, review, page, errors):
    """Put each refusal on its form and show the page again with everything typed; a card
    that met an edit conflict gets both versions and the version now stored."""
    data = request.POST
    conflicts = []
    rows = {row.pk: row for row in page.rows}
    for (kind, pk), exc in errors.items():
        if kind == "rating" and isinstance(exc, EditConflict):
            row = rows[pk]
            conflicts.append(_conflict_for(row, exc))
            data = _take_current_version(data, row, exc.current)
    context = _page_context(request, review, data, conflicts)
    by_pk = {row.pk: row for row in context["page"].rows}
    for (kind, pk), exc in errors.items():
        if isinstance(exc, EditConflict):
            continue
        if kind == "rating":
            add_service_errors(by_pk[pk].form, exc)
        elif kind == "action":
            add_service_errors(by_pk[pk].action_form, exc)
        else:
            for row in by_pk.values():
                for idea in row.waiting_ideas:
                    if idea.pk == pk:
                        add_service_errors(idea.form, exc)
    context["failed"] = _failed_rows(context["page"])
    status = 409 if conflicts else 200
    return render(request, "reviews/review_detail.html", context, status=status)


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
    """One card saving itself (htmx, on change): the page is posted whole, only this card's
    fields are read. The answer is the card's status line, and out of band its new version and
    stored values (so the next save compares with them) and the meeting's progress."""
    ensure_editor(request)
    review = _review(request, review_id)
    row = _row(review, rating_id)
    form = RatingForm(
        request.POST,
        initial={"rating": row.rating, "note": row.note},
        previous=row.previous_rating,
        prefix=f"r{row.position}",
        auto_id="%s",
    )
    if review.is_completed:
        error = services.completed_message()
        return _card_answer(request, review, row, form, error=error, status=400)
    if not form.is_valid():
        return _card_answer(request, review, row, form, status=400)
    if not form.changed():
        return _card_answer(request, review, row, form, saved=False)
    try:
        row = services.review_rating_save(
            actor=request.user, rating_row=row, **form.service_fields()
        )
    except EditConflict as exc:
        conflict = _conflict_for(row, exc)
        return _card_answer(request, review, row, form, conflict=conflict, status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _card_answer(request, review, row, form, status=400)
    return _card_answer(request, review, row, form)


def _card_answer(request, review, row, form, *, saved=True, conflict=None, error="", status=200):
    if not request.headers.get("HX-Request"):  # a plain POST (no script): back to the page
        if status == 200:
            messages.success(request, _("“%(name)s” saved.") % {"name": row.touchpoint_name})
        else:
            messages.error(request, error or _("Not saved: see the card."))
        return _to_review(review, f"tp-{row.position}")
    state = None
    if status == 200:
        state = RatingForm(initial=_stored(row), prefix=f"r{row.position}", auto_id="%s")
    context = {
        "review": review,
        "row": row,
        "form": form,
        "state": state,
        "saved": saved,
        "conflict": conflict,
        "error": error,
        "progress": selectors.review_progress(review),
    }
    return render(request, "reviews/includes/card_saved.html", context, status=status)


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
