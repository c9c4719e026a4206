"""Reads for the ideas pages, shared by the views and the API."""

from django.db.models import Count, Exists, Min, OuterRef, Q

from journeys.models import Journey
from touchpoints.models import Touchpoint

from .models import OPEN_STATUSES, Comment, Idea, IdeaEvent, IdeaStatus, Vote

ORDERINGS = {
    "votes": ("-vote_count", "-created_at"),
    "newest": ("-created_at",),
    "waiting": ("status_changed_at",),
}


def touchpoint_choices(org):
    """Touchpoints of active journeys, grouped "Journey › Stage", in customer order."""
    touchpoints = (
        Touchpoint.objects.for_org(org)
        .filter(journey__archived_at__isnull=True)
        .select_related("journey", "stage")
        .order_by("journey__name", "stage__position", "position")
    )
    groups, current, label = [], None, None
    for tp in touchpoints:
        group = f"{tp.journey.name} › {tp.stage.name}"
        if group != label:
            current, label = [], group
            groups.append((group, current))
        current.append((str(tp.pk), tp.name))
    return groups


def ideas_for(org, user, filters=None):
    """The ideas of `org` with what a list shows, filtered and sorted as asked."""
    filters = filters or {}
    qs = (
        Idea.objects.for_org(org)
        .select_related("touchpoint", "touchpoint__journey", "touchpoint__stage", "author")
        .annotate(has_voted=Exists(Vote.objects.filter(idea=OuterRef("pk"), user=user)))
    )
    status = filters.get("status")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if filters.get("journey"):
        qs = qs.filter(touchpoint__journey_id=filters["journey"])
    if filters.get("stage"):
        qs = qs.filter(touchpoint__stage_id=filters["stage"])
    if filters.get("touchpoint"):
        qs = qs.filter(touchpoint_id=filters["touchpoint"])
    if filters.get("habit"):
        # The stored list as text holds "key" with its quotes; one lookup for every database.
        qs = qs.filter(habits__icontains=f'"{filters["habit"]}"')
    if filters.get("mine"):
        qs = qs.filter(author=user)
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(Q(title__icontains=q) | Q(today__icontains=q) | Q(proposal__icontains=q))
    return qs.order_by(*ORDERINGS.get(filters.get("sort") or "votes", ORDERINGS["votes"]))


def idea_events(idea):
    """The status history of one idea, oldest first, with who changed it."""
    return IdeaEvent.objects.filter(idea=idea).select_related("actor").order_by("at")


def idea_comments(idea):
    return Comment.objects.filter(idea=idea).select_related("author").order_by("created_at")


def idea_detail(idea, user):
    """Events, comments and the user's vote for one idea."""
    events = idea_events(idea)
    comments = idea_comments(idea)
    has_voted = Vote.objects.filter(idea=idea, user=user).exists()
    return {"events": list(events), "comments": list(comments), "has_voted": has_voted}


def waiting_for_decision(org):
    """How many ideas wait for a decision, and since when the oldest waits."""
    waiting = Idea.objects.for_org(org).filter(status__in=(IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW))
    return waiting.aggregate(count=Count("id"), oldest=Min("created_at"))


def implemented_wall(org):
    return (
        Idea.objects.for_org(org)
        .filter(status=IdeaStatus.IMPLEMENTED)
        .select_related("touchpoint", "touchpoint__journey", "author")
        .order_by("-implemented_at")
    )


def my_ideas(org, user):
    return (
        Idea.objects.for_org(org)
        .filter(author=user)
        .select_related("touchpoint", "touchpoint__journey", "duplicate_of")
        .order_by("-created_at")
    )


def active_journeys(org):
    return Journey.objects.for_org(org).active().order_by("name")
