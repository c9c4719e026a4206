"""Ideas: submit (phone first), board with filters, detail, votes, comments, decisions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from motmap.forms import add_service_errors, posted
from motmap.tenancy import ensure_editor, get_for_org, org_view
from touchpoints.models import Touchpoint

from . import csv_io, selectors, services
from .forms import CommentForm, IdeaFilterForm, IdeaForm, IdeaTextsForm, StatusForm
from .models import Comment, Idea

PAGE_SIZE = 20


def _idea(request, idea_id):
    return get_for_org(
        Idea.objects.select_related(
            "touchpoint", "touchpoint__journey", "touchpoint__stage", "author", "duplicate_of"
        ),
        request.org,
        pk=idea_id,
    )


def _ensure_author(request, author_id):
    """Pages only the author may use (the service refuses the write too)."""
    if author_id is None or author_id != request.user.pk:
        raise PermissionDenied(_("Only the author can change this."))


def _to_idea(idea):
    return redirect("idea_detail", org_slug=idea.organisation.slug, idea_id=idea.pk)


@require_safe
@org_view
def idea_list(request):
    form = IdeaFilterForm(request.GET or None, journeys=selectors.active_journeys(request.org))
    filters = form.filters() if request.GET else {}
    ideas = selectors.ideas_for(request.org, request.user, filters)
    page = Paginator(ideas, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # What narrows the list ("Filter (2 active)" on a phone); the sort order does not.
    active_filters = sum(1 for name in filters if name != "sort")
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filters": filters,
        "active_filters": active_filters,
    }
    return render(request, "ideas/idea_list.html", context)


@org_view
def idea_submit(request):
    choices = selectors.touchpoint_choices(request.org)
    initial = {"touchpoint": request.GET.get("touchpoint", "")}
    form = IdeaForm(posted(request), touchpoint_choices=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        touchpoint = get_for_org(
            Touchpoint.objects.select_related("journey", "organisation"),
            request.org,
            pk=data["touchpoint"],
        )
        try:
            idea, _created = services.idea_submit(
                actor=request.user,
                touchpoint=touchpoint,
                title=data["title"],
                today=data["today"],
                proposal=data["proposal"],
                habits=data["habits"],
                anonymous=data["anonymous"],
                submission_token=data["submission_token"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # The same thanks for a form sent twice (a double tap, or again after a lost
            # answer): the browser shows whichever answer came last, and the idea is in once.
            messages.success(request, _("Thank you! Your idea #%(n)d is in.") % {"n": idea.number})
            if idea.is_anonymous:  # no address that names the idea, in any log
                return redirect(f"{reverse('idea_list', args=[request.org.slug])}?sent=1")
            return redirect(f"{idea_url(idea)}?sent=1")
    return render(request, "ideas/idea_submit.html", {"form": form})


def idea_url(idea):
    return reverse("idea_detail", args=[idea.organisation.slug, idea.pk])


@require_safe
@org_view
def idea_detail(request, idea_id):
    idea = _idea(request, idea_id)
    return _render_detail(request, idea, just_sent=request.GET.get("sent") == "1")


def _render_detail(request, idea, *, comment_form=None, status_form=None, just_sent=False):
    """The idea page; a comment or decision form with errors is shown in place."""
    context = {
        "idea": idea,
        **selectors.idea_detail(idea, request.user),
        "comment_form": comment_form or CommentForm(),
        "status_form": status_form or StatusForm(idea_status=idea.status),
        "is_author": idea.author_id == request.user.pk,
        "just_sent": just_sent,
    }
    return render(request, "ideas/idea_detail.html", context)


@org_view
def idea_edit(request, idea_id):
    idea = _idea(request, idea_id)
    initial = {
        "title": idea.title,
        "today": idea.today,
        "proposal": idea.proposal,
        "habits": idea.habits,
    }
    _ensure_author(request, idea.author_id)
    form = IdeaTextsForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.idea_update(actor=request.user, idea=idea, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Idea saved."))
            return _to_idea(idea)
    return render(request, "ideas/idea_edit.html", {"form": form, "idea": idea})


@org_view
def idea_withdraw(request, idea_id):
    idea = _idea(request, idea_id)
    _ensure_author(request, idea.author_id)
    if request.method == "POST":
        try:
            services.idea_withdraw(actor=request.user, idea=idea)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _to_idea(idea)
        messages.success(request, _("Your idea was withdrawn."))
        return redirect("idea_mine", org_slug=request.org.slug)
    return render(request, "ideas/idea_withdraw.html", {"idea": idea})


@require_POST
@org_view
def idea_vote(request, idea_id):
    idea = _idea(request, idea_id)
    try:
        voted = services.vote_toggle(actor=request.user, idea=idea)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if not request.headers.get("HX-Request"):
            return _to_idea(idea)
        voted = False  # the swapped button stays as it was; the message shows on the next page
    if request.headers.get("HX-Request"):
        return render(
            request, "ideas/includes/vote_button.html", {"idea": idea, "has_voted": voted}
        )
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return redirect(back)
    return _to_idea(idea)


@require_POST
@org_view
def comment_add(request, idea_id):
    idea = _idea(request, idea_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(actor=request.user, idea=idea, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(f"{idea_url(idea)}#comments")
    return _render_detail(request, idea, comment_form=form)


def _comment(request, idea_id, comment_id):
    return get_object_or_404(
        Comment.objects.select_related("idea", "idea__organisation"),
        pk=comment_id,
        idea_id=idea_id,
        idea__organisation=request.org,
    )


@org_view
def comment_edit(request, idea_id, comment_id):
    comment = _comment(request, idea_id, comment_id)
    _ensure_author(request, comment.author_id)
    form = CommentForm(posted(request), initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(actor=request.user, comment=comment, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(f"{idea_url(comment.idea)}#comments")
    return render(request, "ideas/comment_edit.html", {"form": form, "comment": comment})


@require_POST
@org_view
def comment_delete(request, idea_id, comment_id):
    comment = _comment(request, idea_id, comment_id)
    services.comment_delete(actor=request.user, comment=comment)
    messages.success(request, _("Comment deleted."))
    return redirect(f"{idea_url(comment.idea)}#comments")


@require_POST
@org_view
def idea_status(request, idea_id):
    ensure_editor(request)
    idea = _idea(request, idea_id)
    form = StatusForm(request.POST, idea_status=idea.status)
    if form.is_valid():
        data = form.cleaned_data
        original = None
        if data["duplicate_of"]:
            original = Idea.objects.for_org(request.org).filter(number=data["duplicate_of"]).first()
            if original is None:
                form.add_error("duplicate_of", _("There is no idea with this number."))
        if not form.errors:
            try:
                services.idea_change_status(
                    actor=request.user,
                    idea=idea,
                    status=data["status"],
                    note=data["note"],
                    duplicate_of=original,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Decision saved; the author and voters are told."))
                return _to_idea(idea)
    return _render_detail(request, idea, status_form=form)


@require_safe
@org_view
def idea_mine(request):
    ideas = selectors.my_ideas(request.org, request.user).prefetch_related("comments__author")
    return render(request, "ideas/idea_mine.html", {"ideas": ideas})


@require_safe
@org_view
def idea_wall(request):
    return render(
        request, "ideas/idea_wall.html", {"ideas": selectors.implemented_wall(request.org)}
    )


@require_safe
@org_view
def idea_export(request):
    ensure_editor(request)
    form = IdeaFilterForm(request.GET or None, journeys=selectors.active_journeys(request.org))
    ideas = selectors.ideas_for(request.org, request.user, form.filters() if request.GET else {})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="ideas-{request.org.slug}-{stamp}.csv"'
    response.write("\ufeff")  # BOM: Excel opens UTF-8 correctly
    csv_io.write_ideas(ideas, response)
    return response
