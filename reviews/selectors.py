"""Reads for the review pages and the dashboard, each in a fixed number of queries."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from feedback import selectors as feedback_selectors
from ideas.models import WAITING_STATUSES, Idea
from journeys.models import Journey
from motmap.models import Organisation
from touchpoints.models import Touchpoint

from .models import Action, Review, ReviewDecision, ReviewRating, ReviewStatus

DUE_SOON_DAYS = 30
User = get_user_model()

# touchpoint id -> [(held_on, rating), ...] over completed reviews, oldest first
Trends = dict[UUID, list[tuple[date, int | None]]]


@dataclass
class StageGroup:
    name: str
    rows: list[ReviewRating] = field(default_factory=list)


@dataclass
class Progress:
    rated: int
    total: int


@dataclass
class ReviewPage:
    review: Review
    stages: list[StageGroup]
    rows: list[ReviewRating]
    actions_without_touchpoint: list[Action]
    trends: Trends
    decisions_without_touchpoint: list[ReviewDecision] = field(default_factory=list)
    # the days whose customers' answers each row shows (`row.customers`): since the review
    # before this one (else the last PERIOD_DAYS days) to the meeting
    customers_from: date | None = None
    customers_to: date | None = None

    @property
    def progress(self) -> Progress:
        return Progress(
            rated=sum(1 for row in self.rows if row.rating is not None), total=len(self.rows)
        )


def review_progress(review: Review) -> Progress:
    """How far the meeting has got: moments given a rating in it, of all its moments. One query."""
    ratings = list(ReviewRating.objects.filter(review=review).values_list("rating", flat=True))
    return Progress(rated=sum(1 for r in ratings if r is not None), total=len(ratings))


def review_page(review: Review) -> ReviewPage:
    """The review, its rows in customer order grouped by stage, each with the touchpoint, the
    ideas waiting for a decision, the ideas decided and the actions agreed in the meeting and
    the rating trend. Fixed query count.
    """
    rows = list(
        ReviewRating.objects.filter(review=review)
        .select_related("touchpoint", "touchpoint__stage")
        .order_by("position")
    )
    touchpoint_ids = [row.touchpoint_id for row in rows if row.touchpoint_id]
    ideas: defaultdict[UUID | None, list[Idea]] = defaultdict(list)
    if not review.is_completed:
        for idea in (
            Idea.objects.filter(touchpoint_id__in=touchpoint_ids, status__in=WAITING_STATUSES)
            .select_related("author")
            .order_by("-vote_count", "created_at")
        ):
            ideas[idea.touchpoint_id].append(idea)
    actions: defaultdict[UUID | None, list[Action]] = defaultdict(list)
    loose: list[Action] = []
    for action in (
        Action.objects.filter(review=review)
        .select_related("owner")
        .order_by("due_on", "created_at")
    ):
        if action.touchpoint_id in touchpoint_ids:
            actions[action.touchpoint_id].append(action)
        else:
            loose.append(action)
    decisions: defaultdict[UUID | None, list[ReviewDecision]] = defaultdict(list)
    for decision in ReviewDecision.objects.filter(review=review).select_related("decided_by"):
        decisions[decision.touchpoint_id].append(decision)
    trends = rating_trends(review.journey, touchpoint_ids)
    stages: list[StageGroup] = []
    for row in rows:
        stage_name = row.touchpoint.stage.name if row.touchpoint else row.stage_name
        if not stages or stages[-1].name != stage_name:
            stages.append(StageGroup(name=stage_name))
        stages[-1].rows.append(row)
        row.name = row.touchpoint.name if row.touchpoint else row.touchpoint_name
        row.waiting_ideas = ideas.get(row.touchpoint_id, [])
        row.agreed_actions = actions.get(row.touchpoint_id, [])
        row.decisions = decisions.pop(row.touchpoint_id, []) if row.touchpoint_id else []
        row.trend = trends.get(row.touchpoint_id, []) if row.touchpoint_id else []
        # The sparkline: completed reviews, then (while the review is open) the rating now.
        row.spark = [rating for _day, rating in row.trend]
        if row.touchpoint and not review.is_completed:
            row.spark.append(row.touchpoint.rating_current)
    start, end = _customers_period(review, trends)
    customers = feedback_selectors.summaries(touchpoint_ids, start, end)
    for row in rows:
        summary = customers.get(row.touchpoint_id) if row.touchpoint_id else None
        setattr(row, "customers", summary)  # noqa: B010  (not a model field)
    return ReviewPage(
        review=review,
        stages=stages,
        rows=rows,
        actions_without_touchpoint=loose,
        trends=trends,
        decisions_without_touchpoint=[d for ds in decisions.values() for d in ds],
        customers_from=start,
        customers_to=end,
    )


def _customers_period(review: Review, trends: Trends) -> tuple[date, date]:
    """The days of customers' answers a meeting looks at: from the day after the review
    before it (read from the trends, no query) to the meeting's day (its completion's, once
    completed; today while it is open), at most a year back."""
    tz = review.organisation.tzinfo
    end = timezone.localdate(review.completed_at, tz) if review.completed_at else None
    end = end or timezone.localdate(timezone=tz)
    earlier = [held for trend in trends.values() for held, _ in trend if held < review.held_on]
    return feedback_selectors.since(max(earlier) + timedelta(days=1) if earlier else None, end)


def rating_trends(journey: Journey, touchpoint_ids: Iterable[UUID] | None = None) -> Trends:
    """touchpoint id -> [(held_on, rating), ...] across the journey's completed reviews, oldest
    first. One query."""
    ratings = ReviewRating.objects.filter(
        review__journey=journey,
        review__status=ReviewStatus.COMPLETED,
        touchpoint__isnull=False,
        rating__isnull=False,
    )
    if touchpoint_ids is not None:
        ratings = ratings.filter(touchpoint_id__in=touchpoint_ids)
    trends: defaultdict[UUID, list[tuple[date, int | None]]] = defaultdict(list)
    for touchpoint_id, held_on, rating in ratings.order_by(
        "review__held_on", "review__completed_at"
    ).values_list("touchpoint_id", "review__held_on", "rating"):
        trends[touchpoint_id].append((held_on, rating))
    return dict(trends)


def touchpoint_trend(touchpoint: Touchpoint) -> list[int | None]:
    """The ratings of one touchpoint across completed reviews, then its rating now."""
    values = [
        rating
        for _day, rating in rating_trends(touchpoint.journey, [touchpoint.pk]).get(
            touchpoint.pk, []
        )
    ]
    return [*values, touchpoint.rating_current]


@dataclass
class PreviousReview:
    held_on: date
    completed_at: datetime | None
    ratings: dict[UUID, int | None] = field(default_factory=dict)  # touchpoint id -> rating


def previous_review_ratings(
    journey: Journey, current: Mapping[UUID, int] | None = None
) -> PreviousReview | None:
    """The ratings of the review to compare the curve with, or None. One query.

    That is the last completed review, unless the touchpoints are still exactly as it left
    them (`current`: touchpoint id -> rating now), when the one before it says more: it shows
    what the last review changed.
    """
    last_two = (
        Review.objects.filter(journey=journey, status=ReviewStatus.COMPLETED)
        .order_by("-held_on", "-completed_at")
        .values("pk")[:2]
    )
    reviews: dict[UUID, PreviousReview] = {}
    for review_id, held_on, completed_at, touchpoint_id, rating in ReviewRating.objects.filter(
        review__in=last_two, touchpoint__isnull=False
    ).values_list(
        "review_id", "review__held_on", "review__completed_at", "touchpoint_id", "rating"
    ):
        reviews.setdefault(review_id, PreviousReview(held_on, completed_at))
        reviews[review_id].ratings[touchpoint_id] = rating
    ordered = sorted(reviews.values(), key=lambda r: (r.held_on, r.completed_at), reverse=True)
    if not ordered:
        return None
    latest = ordered[0]
    unchanged = current is not None and all(
        current.get(tp_id, rating) == rating for tp_id, rating in latest.ratings.items()
    )
    if unchanged and len(ordered) > 1:
        return ordered[1]
    return latest


def journey_reviews(journey: Journey) -> QuerySet[Review]:
    return (
        Review.objects.filter(journey=journey)
        .select_related("started_by", "completed_by")
        .prefetch_related("attendees")
        .order_by("-held_on", "-started_at")
    )


def open_review(journey: Journey) -> Review | None:
    return Review.objects.filter(journey=journey, status=ReviewStatus.IN_PROGRESS).first()


@dataclass
class Dashboard:
    today: date
    due_soon: list[Journey]
    overdue: list[Journey]
    open_reviews: list[Review]
    open_actions: list[Action]
    overdue_actions: list[Action]
    recent: list[Review]


def dashboard(org: Organisation, today: date) -> Dashboard:
    """Reviews due in the next 30 days and overdue (active journeys), open reviews, open and
    overdue actions and the last completed reviews, across the organisation."""
    journeys = list(
        Journey.objects.for_org(org)
        .active()
        .filter(next_review_on__lte=today + timedelta(days=DUE_SOON_DAYS))
        .select_related("owner")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.filter(status=ReviewStatus.IN_PROGRESS),
                to_attr="open_reviews",
            )
        )
        .order_by("next_review_on", "name")
    )
    for journey in journeys:
        journey.open_review = journey.open_reviews[0] if journey.open_reviews else None
        journey.days_overdue = (today - journey.next_review_on).days
    actions = list(
        Action.objects.for_org(org)
        .open()
        .select_related("owner", "journey", "touchpoint")
        .order_by("due_on", "created_at")
    )
    for action in actions:
        action.is_overdue = action.due_on < today
    open_reviews = list(
        Review.objects.for_org(org)
        .filter(status=ReviewStatus.IN_PROGRESS)
        .select_related("journey")
        .order_by("held_on")
    )
    recent = list(
        Review.objects.for_org(org)
        .filter(status=ReviewStatus.COMPLETED)
        .select_related("journey")
        .order_by("-held_on", "-completed_at")[:10]
    )
    return Dashboard(
        today=today,
        due_soon=[j for j in journeys if j.next_review_on >= today],
        overdue=[j for j in journeys if j.next_review_on < today],
        open_reviews=open_reviews,
        open_actions=[a for a in actions if not a.is_overdue],
        overdue_actions=[a for a in actions if a.is_overdue],
        recent=recent,
    )


def org_reviews(org: Organisation) -> QuerySet[Review]:
    """The organisation's reviews with their attendees (a list of any length: two queries)."""
    return Review.objects.for_org(org).prefetch_related(
        Prefetch("attendees", queryset=User.objects.order_by("email"))
    )


def review_ratings(review: Review) -> QuerySet[ReviewRating]:
    return ReviewRating.objects.filter(review=review).order_by("position")


def org_actions(org: Organisation, today: date) -> QuerySet[Action]:
    """The organisation's actions with who owns and made them, and `is_overdue` on `today`."""
    return Action.objects.for_org(org).with_is_overdue(today).select_related("owner", "created_by")
