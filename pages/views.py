"""Screens that put several apps together: the organisation home, the journey board (with its
quick edit, which answers with the board), the touchpoint page and customers' comments (which
become ideas or actions). Each app's own screens are
in its `views.py`; these sit above all of them."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from feedback import selectors as feedback_selectors
from feedback import services as feedback_services
from feedback.forms import CommentFilterForm
from feedback.models import FACES, FeedbackResponse
from ideas.selectors import waiting_for_decision
from journeys.models import Journey
from journeys.selectors import journeys_with_figures
from journeys.views import is_script_request
from motmap.forms import add_service_errors
from motmap.tenancy import ensure_editor, get_for_org, org_view
from reviews import services as review_services
from reviews.models import Action
from touchpoints import services as touchpoint_services
from touchpoints.forms import RATING_CHOICES, TouchpointQuickEditForm
from touchpoints.models import Touchpoint
from touchpoints.selectors import conflict_rows, last_saved

from . import cards, selectors


@require_safe
@org_view
def organisation_home(request):
    journeys = list(journeys_with_figures(request.org))
    waiting = waiting_for_decision(request.org) if request.membership.can_edit else None
    return render(
        request,
        "journeys/organisation_home.html",
        {
            "journeys": [j for j in journeys if not j.is_archived],
            "archived": [j for j in journeys if j.is_archived],
            "waiting": waiting,
        },
    )


def render_board(request, journey, *, quick=None, status=200):
    """The board page. `quick`: a quick edit that was not saved, shown in its card."""
    board = selectors.journey_board(journey)
    urls = _card_urls(request.org)
    for tp in board.touchpoints:
        tp.quick = quick if quick is not None and tp.pk == quick["pk"] else None
        tp.urls = {name: url(tp.pk) for name, url in urls.items()}
    cards.render_cards(request, board.touchpoints, rating_choices=RATING_CHOICES)
    board.curve_html = cards.render_curve(request, board)
    return render(
        request,
        "journeys/journey_board.html",
        {"journey": journey, "board": board, "rating_choices": RATING_CHOICES},
        status=status,
    )


def _card_urls(org):
    """The addresses on a card, each reversed once per board: {name: touchpoint id -> url}."""
    marker = "00000000-0000-0000-0000-000000000000"

    def maker(name):
        template = reverse(name, args=[org.slug, marker])
        return lambda pk: template.replace(marker, str(pk))

    open_ideas = reverse("idea_list", args=[org.slug])
    return {
        "detail": maker("touchpoint_detail"),
        "edit": maker("touchpoint_edit"),
        "move": maker("touchpoint_move"),
        "quick_edit": maker("touchpoint_quick_edit"),
        "open_ideas": lambda pk: f"{open_ideas}?touchpoint={pk}&status=open",
    }


@require_safe
@org_view
def journey_board(request, journey_id):
    journey = get_for_org(Journey.objects.select_related("owner"), request.org, pk=journey_id)
    return render_board(request, journey)


def _touchpoint(request, touchpoint_id):
    return get_for_org(
        Touchpoint.objects.select_related("journey", "stage", "owner", "organisation"),
        request.org,
        pk=touchpoint_id,
    )


@require_safe
@org_view
def touchpoint_detail(request, touchpoint_id):
    touchpoint = _touchpoint(request, touchpoint_id)
    return render(
        request, "touchpoints/touchpoint_detail.html", selectors.touchpoint_page(touchpoint)
    )


@require_POST
@org_view
def touchpoint_quick_edit(request, touchpoint_id):
    """The current and target rating from the card on the board, with the version check of the
    edit form. Saved: back to the card on the board. Not saved (bad input, or someone saved
    since): the board again, the card open and showing why; on a conflict who saved, when, and
    both values. A conflict is a 409 like the edit form's; to htmx (which swaps only a 2xx
    answer into the page) it is the same board with a 200."""
    ensure_editor(request)
    touchpoint = _touchpoint(request, touchpoint_id)
    form = TouchpointQuickEditForm(request.POST)
    quick = {"pk": touchpoint.pk, "version": touchpoint.version, "conflict": None}
    if form.is_valid():
        try:
            touchpoint_services.touchpoint_update(
                actor=request.user,
                touchpoint=touchpoint,
                version=form.cleaned_data["version"],
                **form.service_data(),
            )
        except touchpoint_services.EditConflict as exc:
            quick["conflict"] = conflict_rows(exc)
            quick["saved_by"], quick["saved_at"] = last_saved(exc.current)
            quick["version"] = exc.current.version  # saving again, having seen theirs, goes
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            url = reverse("journey_board", args=[request.org.slug, touchpoint.journey_id])
            return redirect(f"{url}#tp-{touchpoint.pk}")
    if quick["conflict"] is None:
        quick["version"] = form.cleaned_data.get("version") or touchpoint.version
    quick["errors"] = [e for errors in form.errors.values() for e in errors]
    quick["rating_current"] = form.cleaned_data.get("rating_current", touchpoint.rating_current)
    quick["rating_target"] = form.cleaned_data.get("rating_target", touchpoint.rating_target)
    if not is_script_request(request):
        messages.error(
            request,
            _("The ratings of “%(name)s” were not saved: see its card on the board.")
            % {"name": touchpoint.name},
        )
    status = 409 if quick["conflict"] is not None and not is_script_request(request) else 200
    return render_board(request, touchpoint.journey, quick=quick, status=status)


# --- customers' comments: the feed, and what managers do with one -----------------------------

COMMENTS_PER_PAGE = 30


@require_safe
@org_view
def feedback_comments(request):
    """Customers' comments, newest first, filtered by journey, touchpoint, face, reason or not
    yet read; each can be marked read or made into an idea or an action (managers)."""
    form = CommentFilterForm(request.GET or None, organisation=request.org)
    answers = feedback_selectors.comments(request.org, **form.filters())
    page = Paginator(answers, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    made = {
        action.from_comment_id: action
        for action in Action.objects.filter(from_comment__in=[a.pk for a in page])
    }
    faces = {value: (symbol, word) for value, symbol, word in FACES}
    for answer in page:
        answer.action = made.get(answer.pk)
        answer.face_symbol, answer.face_word = faces[answer.face]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "feedback/comments.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "kept_days": settings.FEEDBACK_COMMENT_DAYS,
        },
    )


def _comment(request, response_id):
    return get_for_org(
        FeedbackResponse.objects.select_related("touchpoint"), request.org, pk=response_id
    )


def _back_to_comments(request):
    back = request.POST.get("back", "")
    url = reverse("feedback_comments", args=[request.org.slug])
    return redirect(f"{url}?{back}" if back and len(back) < 500 and "\n" not in back else url)


@require_POST
@org_view
def feedback_comment_read(request, response_id):
    ensure_editor(request)
    feedback_services.comment_mark_read(actor=request.user, response=_comment(request, response_id))
    return _back_to_comments(request)


def _made_from_comment(request, response_id, make):
    """Make an idea or an action of a comment (`make(actor, response)` -> (message, address)):
    there with the message; a comment that cannot be (its text deleted): back to the feed,
    saying why."""
    ensure_editor(request)
    try:
        message, address = make(request.user, _comment(request, response_id))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back_to_comments(request)
    messages.success(request, message)
    return redirect(address)


def _idea_of(actor, response):
    idea = feedback_services.comment_to_idea(actor=actor, response=response)
    message = _("Idea #%(number)s made from the customer's comment.") % {"number": idea.number}
    return message, reverse("idea_detail", args=[idea.organisation.slug, idea.pk])


def _action_of(actor, response):
    action = review_services.action_from_comment(actor=actor, response=response)
    message = _("Action made from the customer's comment: give it an owner and a date if need be.")
    return message, reverse("action_edit", args=[action.organisation.slug, action.pk])


@require_POST
@org_view
def feedback_comment_idea(request, response_id):
    return _made_from_comment(request, response_id, _idea_of)


@require_POST
@org_view
def feedback_comment_action(request, response_id):
    return _made_from_comment(request, response_id, _action_of)
