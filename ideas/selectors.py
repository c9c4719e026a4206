"""Reads for the ideas pages, shared by the views and the API."""

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet

from journeys.models import Journey
from motmap.models import Organisation, User
from touchpoints.models import Touchpoint

from .models import OPEN_STATUSES, Comment, Idea, IdeaEvent, IdeaStatus, Vote

SEARCH_MAX_LENGTH = 200  # the words searched for in idea lists (pages and API)

ORDERINGS = {
    "votes": ("-vote_count", "-created_at"),
    "newest": ("-created_at",),
    "waiting": ("status_changed_at",),
}


def with_open_ideas(touchpoints: QuerySet[Touchpoint]) -> QuerySet[Touchpoint]:
    """`touchpoints` annotated with `open_ideas`: how many of their ideas are still open."""
    return touchpoints.annotate(
        open_ideas=Count("ideas", filter=Q(ideas__status__in=OPEN_STATUSES))
    )


# The touchpoint choices of a form: [(group label, [(touchpoint id, name), ...]), ...].
TouchpointChoices = list[tuple[str, list[tuple[str, str]]]]


def touchpoint_choices(org: Organisation) -> TouchpointChoices:
    """Touchpoints of active journeys, grouped "Journey › Stage", in customer order."""
    touchpoints = (
        Touchpoint.objects.for_org(org)
        .filter(journey__archived_at__isnull=True)
        .select_related("journey", "stage")
        .order_by("journey__name", "stage__position", "position")
    )
    groups: TouchpointChoices = []
    current: list[tuple[str, str]] = []
    label = None
    for tp in touchpoints:
        group = f"{tp.journey.name} › {tp.stage.name}"
        if group != label:
            current, label = [], group
            groups.append((group, current))
        current.append((str(tp.pk), tp.name))
    return groups


def ideas_for(
    org: Organisation, user: User, filters: Mapping[str, Any] | None = None
) -> QuerySet[Idea]:
    """The ideas of `org` with what a list shows, filtered (`filter_ideas`) and sorted as asked
    (`sort`: votes, newest or waiting)."""
    filters = filters or {}
    qs = (
        Idea.objects.for_org(org)
        .select_related("touchpoint", "touchpoint__journey", "touchpoint__stage", "author")
        .annotate(has_voted=Exists(Vote.objects.filter(idea=OuterRef("pk"), user=user)))
    )
    qs = filter_ideas(qs, user, filters)
    return qs.order_by(*ORDERINGS.get(filters.get("sort") or "votes", ORDERINGS["votes"]))


def filter_ideas(ideas: QuerySet[Idea], user: User, filters: Mapping[str, Any]) -> QuerySet[Idea]:
    """The one filter of idea lists: the pages (`ideas.forms.IdeaFilterForm`) and the API
    (`api.ideas.IdeaFilter`) both pass what they were asked to this.

    `filters`, each optional (absent, None or "" means no filter): `status` (a status, or
    "open" for new, under review, accepted and in progress); `journey`, `stage`, `touchpoint`
    (ids); `habit`; `mine` (True: only the ideas `user` sent with their name; False: every other
    idea, anonymous ones included); `q` (words in the title, today or the proposal);
    `created_after` (at or after) and `created_before` (datetimes).
    """

    def given(name: str) -> bool:
        value = filters.get(name)
        return value is not None and value != ""

    status = filters.get("status")
    if status == "open":
        ideas = ideas.filter(status__in=OPEN_STATUSES)
    elif given("status"):
        ideas = ideas.filter(status=status)
    if given("journey"):
        ideas = ideas.filter(touchpoint__journey_id=filters["journey"])
    if given("stage"):
        ideas = ideas.filter(touchpoint__stage_id=filters["stage"])
    if given("touchpoint"):
        ideas = ideas.filter(touchpoint_id=filters["touchpoint"])
    if given("habit"):
        # The stored list as text holds "key" with its quotes; one lookup for every database.
        ideas = ideas.filter(habits__icontains=f'"{filters["habit"]}"')
    if given("mine"):
        mine = Q(author_id=user.pk)
        ideas = ideas.filter(mine) if filters["mine"] else ideas.exclude(mine)
    if given("q"):
        q = filters["q"]
        ideas = ideas.filter(
            Q(title__icontains=q) | Q(today__icontains=q) | Q(proposal__icontains=q)
        )
    if given("created_after"):
        ideas = ideas.filter(created_at__gte=filters["created_after"])
    if given("created_before"):
        ideas = ideas.filter(created_at__lt=filters["created_before"])
    return ideas


def idea_events(idea: Idea) -> QuerySet[IdeaEvent]:
    """The status history of one idea, oldest first, with who changed it."""
    return IdeaEvent.objects.filter(idea=idea).select_related("actor").order_by("at")


def idea_comments(idea: Idea) -> QuerySet[Comment]:
    return Comment.objects.filter(idea=idea).select_related("author").order_by("created_at")


def idea_detail(idea: Idea, user: User) -> dict[str, Any]:
    """Events, comments and the user's vote for one idea."""
    events = idea_events(idea)
    comments = idea_comments(idea)
    has_voted = Vote.objects.filter(idea=idea, user=user).exists()
    return {"events": list(events), "comments": list(comments), "has_voted": has_voted}


def waiting_for_decision(org: Organisation) -> dict[str, Any]:
    """How many ideas wait for a decision, and since when the oldest waits."""
    waiting = Idea.objects.for_org(org).filter(status__in=(IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW))
    return waiting.aggregate(count=Count("id"), oldest=Min("created_at"))


def implemented_wall(org: Organisation) -> QuerySet[Idea]:
    return (
        Idea.objects.for_org(org)
        .filter(status=IdeaStatus.IMPLEMENTED)
        .select_related("touchpoint", "touchpoint__journey", "author")
        .order_by("-implemented_at")
    )


def my_ideas(org: Organisation, user: User) -> QuerySet[Idea]:
    return (
        Idea.objects.for_org(org)
        .filter(author=user)
        .select_related("touchpoint", "touchpoint__journey", "duplicate_of")
        .order_by("-created_at")
    )


def active_journeys(org: Organisation) -> QuerySet[Journey]:
    return Journey.objects.for_org(org).active().order_by("name")
