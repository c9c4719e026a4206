"""What a review pack shows, gathered in a fixed number of queries whatever the journey's size.

One journey costs the same handful of queries for 3 touchpoints or 200 (tests pin it): the
board (stages + touchpoints, from `touchpoints.selectors.journey_map`), the completed reviews,
their ratings, the ideas, the actions, and the attendees when the pack is a review's.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, TypedDict
from uuid import UUID

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback import selectors as feedback_selectors
from ideas.models import WAITING_STATUSES, Idea, IdeaStatus
from journeys.models import Journey
from motmap.models import User
from reviews.models import (
    Action,
    ActionStatus,
    Review,
    ReviewDecision,
    ReviewRating,
    ReviewStatus,
)
from touchpoints.models import Touchpoint
from touchpoints.selectors import (
    EmotionCurve,
    JourneyMap,
    add_customers,
    emotion_curve,
    journey_map,
    priorities,
)

TREND_REVIEWS = 4
# Beyond this many characters of text a touchpoint's texts are printed one under the other, at
# full width, and the section may break across pages (three narrow columns would run for pages).
LONG_TEXT = 2400
ACCEPTED_STATUSES = (IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS)  # decided yes, not yet done
QUARTER_RE = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
FIRST_YEAR = 2000

# A touchpoint of the board to which the pack adds what its template shows (`is_long`, `trend`,
# `previous_rating`, the ideas implemented, waiting and decided there, its open actions): the
# model does not declare them, so such a touchpoint is typed loosely.
PackTouchpoint = Any


class RatingRow(TypedDict):
    review_id: UUID
    touchpoint_id: UUID
    rating: int | None
    target_rating: int | None


# (review id, touchpoint id) -> what the review gave the touchpoint
Ratings = dict[tuple[UUID, UUID], RatingRow]


class InvalidPeriod(ValueError):
    """A period the pack cannot be made for, with a message for the person who asked."""


@dataclass
class Period:
    start: datetime | None  # None: from the very beginning (no review completed yet)
    end: datetime
    quarter: str = ""  # "2027-Q1" when a quarter was chosen
    just_held: Review | None = None  # the review completed in the last days, in the period

    @property
    def label(self) -> str:
        if self.quarter:
            year, q = self.quarter.split("-Q")
            return _("Q%(q)s %(year)s") % {"q": q, "year": year}
        return ""


def quarter_period(value: str | None, tz: tzinfo, now: datetime | None = None) -> Period:
    """`2027-Q1` (or `2027Q1`) -> the period of that quarter in the time zone `tz`.

    A quarter that has not started yet, or a malformed one, raises InvalidPeriod.
    """
    now = now or timezone.now()
    match = QUARTER_RE.match((value or "").strip())
    if not match:
        raise InvalidPeriod(_("A quarter is written like 2027-Q1 (year, then Q1 to Q4)."))
    year, q = int(match[1]), int(match[2])
    if year < FIRST_YEAR:
        raise InvalidPeriod(_("Choose a quarter from the year 2000 on."))
    start = datetime(year, 3 * q - 2, 1, tzinfo=tz)
    end = datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=tz)
    if start > now:
        raise InvalidPeriod(_("That quarter has not started yet."))
    return Period(start=start, end=min(end, now), quarter=f"{year}-Q{q}")


def recent_quarters(tz: tzinfo, count: int = 6, now: datetime | None = None) -> list[str]:
    """The current quarter and the ones before it, newest first, e.g. ["2027-Q2", "2027-Q1"]."""
    local = timezone.localtime(now or timezone.now(), tz)
    year, q = local.year, (local.month - 1) // 3 + 1
    result = []
    for _i in range(count):
        result.append(f"{year}-Q{q}")
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return result


@dataclass
class RatingMove:
    touchpoint: Touchpoint
    before: int
    now: int

    @property
    def steps(self) -> int:
        return self.now - self.before


@dataclass
class JourneyPack:
    journey: Journey
    board: JourneyMap
    period: Period
    review: Review | None = None
    attendees: list[User] = field(default_factory=list)
    baseline: Review | None = None  # the review the ratings moved from (the previous curve)
    # [(x, y) or None] per touchpoint
    previous_points: list[tuple[float, float] | None] = field(default_factory=list)
    moved_up: list[RatingMove] = field(default_factory=list)
    moved_down: list[RatingMove] = field(default_factory=list)
    implemented_count: int = 0
    accepted_count: int = 0
    waiting_count: int = 0
    actions: list[Action] = field(default_factory=list)
    # customers' answers: the PERIOD_DAYS days to the pack's end (each touchpoint's
    # `customers` and `customer_weeks`), and where they disagree with the team's rating
    customers_from: date | None = None
    customers_to: date | None = None
    disagreements: list[Touchpoint] = field(default_factory=list)

    @property
    def touchpoints(self) -> list[PackTouchpoint]:
        return self.board.touchpoints

    @property
    def is_empty(self) -> bool:
        return not self.board.touchpoints


# For this many days after a review is completed, the default pack is the one that includes it
# (since the review before it): "Print pack" right after the meeting prints the meeting.
JUST_HELD_DAYS = 7


def _default_period(reviews: Sequence[Review], now: datetime) -> Period:
    """Since the last completed review of the journey (from the beginning when none was); in
    the days just after a review, since the one before it, so that it includes that meeting.
    `reviews`: the journey's completed reviews, newest first."""
    last = reviews[0].completed_at if reviews else None
    if last is not None and now - last < timedelta(days=JUST_HELD_DAYS):
        start = reviews[1].completed_at if len(reviews) > 1 else None
        return Period(start=start, end=now, just_held=reviews[0])
    return Period(start=reviews[0].completed_at if reviews else None, end=now)


def gather_journey_pack(
    journey: Journey,
    *,
    period: Period | None = None,
    review: Review | None = None,
    now: datetime | None = None,
) -> JourneyPack:
    """Everything one journey's pack shows. `review`: the pack of that review meeting.

    A completed review's pack shows its period (since the review before it) and the ratings
    given in it; a review in progress gets the pack since the last completed review, with its
    attendees on the cover (the pack printed for the meeting).

    Queries: 2 for the board, 1 reviews, 1 ratings, 1 customers' answers, 1 ideas, 1 actions,
    1 decisions, (+1 attendees of a review): the same for any number of touchpoints, ideas,
    actions or answers.
    """
    now = now or timezone.now()
    board = journey_map(journey)
    reviews = list(
        Review.objects.filter(journey=journey, status=ReviewStatus.COMPLETED)
        .only("id", "held_on", "completed_at", "journey_id", "guests", "summary")
        .order_by("-completed_at")
    )
    if review is not None and review.is_completed:
        end = review.completed_at or now
        earlier = [r for r in reviews if r.completed_at and r.completed_at < end]
        period = Period(start=earlier[0].completed_at if earlier else None, end=end)
        baseline = earlier[0] if earlier else None
    else:
        period = period or _default_period(reviews, now)
        baseline = next(
            (
                r
                for r in reviews
                if period.start is not None
                and r.completed_at is not None
                and r.completed_at <= period.start
            ),
            None,
        )
    trend = [r for r in reviews if r.completed_at and r.completed_at <= period.end][:TREND_REVIEWS][
        ::-1
    ]

    wanted = {r.pk for r in trend} | {r.pk for r in (baseline, review) if r is not None}
    ratings: Ratings = {}
    if wanted:
        for row in ReviewRating.objects.filter(
            review_id__in=wanted, touchpoint__isnull=False
        ).values("review_id", "touchpoint_id", "rating", "target_rating"):
            ratings[(row["review_id"], row["touchpoint_id"])] = row

    ordered: list[PackTouchpoint] = board.touchpoints
    if review is not None and review.is_completed:
        _apply_review_ratings(board, review, ratings)

    pack = JourneyPack(
        journey=journey, board=board, period=period, review=review, baseline=baseline
    )
    for tp in ordered:
        tp.is_long = len(tp.moment) + len(tp.desired_outcome) + len(tp.customer_wants) > LONG_TEXT
        tp.trend = [(r, _rating(ratings, r, tp)) for r in trend]
        tp.previous_rating = _rating(ratings, baseline, tp) if baseline else None
        tp.implemented_ideas, tp.waiting_ideas, tp.open_actions = [], [], []
        tp.decided_ideas = []
        if tp.previous_rating is not None and tp.previous_rating != tp.rating_current:
            move = RatingMove(tp, tp.previous_rating, tp.rating_current)
            (pack.moved_up if move.steps > 0 else pack.moved_down).append(move)
    _attach_customers(pack, journey, period)
    pack.moved_up.sort(key=lambda m: -m.steps)
    pack.moved_down.sort(key=lambda m: m.steps)
    pack.previous_points = _previous_points(board.curve, ordered) if baseline else []

    _attach_ideas(pack, journey, period)
    _attach_actions(pack, journey, period, review)
    _attach_decisions(pack, journey, period, review)
    if review is not None:
        pack.attendees = list(review.attendees.order_by("full_name", "email"))
    return pack


def _attach_customers(pack: JourneyPack, journey: Journey, period: Period) -> None:
    """Customers' answers of the pack's period (its whole days: since the review before, at
    most a year; the last 90 days when there was none), beside the team's rating (which, in
    a review's pack, is the one given in it); the priorities use the customers' rating where
    they gave enough answers. One query."""
    tz = journey.organisation.tzinfo
    end = timezone.localdate(period.end, tz)
    first = None
    if period.start is not None:
        local = timezone.localtime(period.start, tz)
        first = local.date() if local.time() == time.min else local.date() + timedelta(days=1)
    start, end = feedback_selectors.since(first, end)
    ids = [tp.pk for tp in pack.touchpoints]
    weeks = feedback_selectors.weekly_for(ids, start, end)
    summaries = {pk: feedback_selectors.total(weeks[pk]) for pk in ids}
    for tp in pack.touchpoints:
        tp.customers, tp.customer_weeks = summaries[tp.pk], weeks[tp.pk]
    pack.customers_from, pack.customers_to = start, end
    pack.disagreements = [
        tp for tp in pack.touchpoints if summaries[tp.pk].disagrees_with(tp.rating_current)
    ]
    pack.board.priorities = priorities(
        pack.touchpoints,
        customer_ratings=feedback_selectors.customer_ratings(summaries),
        disagreeing={tp.pk for tp in pack.disagreements},
    )
    add_customers(pack.board.curve, feedback_selectors.customer_means(summaries))


def _rating(ratings: Ratings, review: Review, touchpoint: Touchpoint) -> int | None:
    """The rating `review` gave `touchpoint` (None: not rated in it)."""
    row = ratings.get((review.pk, touchpoint.pk))
    return row["rating"] if row else None


def _apply_review_ratings(board: JourneyMap, review: Review, ratings: Ratings) -> None:
    """A review's pack shows the ratings given in that review, not today's."""
    for tp in board.touchpoints:
        row = ratings.get((review.pk, tp.pk))
        if row and row["rating"] is not None:
            tp.rating_current = row["rating"]
        if row and row["target_rating"] is not None:
            tp.rating_target = row["target_rating"]
    board.curve = emotion_curve(board.touchpoints)
    board.priorities = priorities(board.touchpoints)


def _previous_points(
    curve: EmotionCurve, touchpoints: Sequence[PackTouchpoint]
) -> list[tuple[float, float] | None]:
    """The previous review's curve on the same axes: (x, y) per touchpoint, None where unrated."""
    points: list[tuple[float, float] | None] = []
    for point, tp in zip(curve.points, touchpoints, strict=True):
        rating = tp.previous_rating
        points.append(None if rating is None else (point.x, curve.top + (2 - rating) * curve.step))
    return points


def _attach_ideas(pack: JourneyPack, journey: Journey, period: Period) -> None:
    by_tp = {tp.pk: tp for tp in pack.touchpoints}
    in_period = Q(status=IdeaStatus.IMPLEMENTED, implemented_at__lte=period.end)
    if period.start is not None:
        in_period &= Q(implemented_at__gte=period.start)
    ideas = (
        Idea.objects.filter(touchpoint__journey=journey)
        .filter(in_period | Q(status__in=WAITING_STATUSES) | Q(status__in=ACCEPTED_STATUSES))
        .select_related("author")
        .only(
            "id",
            "number",
            "title",
            "status",
            "vote_count",
            "implemented_at",
            "touchpoint_id",
            "author_left",
            "author__id",
            "author__full_name",
            "author__email",
        )
        .order_by("-vote_count", "number")
    )
    for idea in ideas:
        tp = by_tp.get(idea.touchpoint_id)
        if idea.status == IdeaStatus.IMPLEMENTED:
            pack.implemented_count += 1
            if tp is not None:
                tp.implemented_ideas.append(idea)
        elif idea.status in WAITING_STATUSES:
            pack.waiting_count += 1
            if tp is not None:
                tp.waiting_ideas.append(idea)
        else:
            pack.accepted_count += 1


def _attach_actions(
    pack: JourneyPack, journey: Journey, period: Period, review: Review | None
) -> None:
    """Open actions, and every action agreed in the period (or the review) whatever its state."""
    agreed = Q(created_at__lte=period.end)
    if period.start is not None:
        agreed &= Q(created_at__gte=period.start)
    wanted = Q(status=ActionStatus.OPEN) | agreed
    if review is not None:
        wanted |= Q(review=review)
    by_tp = {tp.pk: tp for tp in pack.touchpoints}
    pack.actions = list(
        Action.objects.filter(journey=journey)
        .filter(wanted)
        .select_related("owner", "touchpoint")
        .order_by("due_on", "created_at")
    )
    for action in pack.actions:
        tp = by_tp.get(action.touchpoint_id)
        if tp is not None and action.is_open:
            tp.open_actions.append(action)


def _attach_decisions(
    pack: JourneyPack, journey: Journey, period: Period, review: Review | None
) -> None:
    """The ideas decided in review meetings: in the review of the pack, or in the reviews
    completed in the period (after its start, which is the review before)."""
    if review is not None:
        wanted = Q(review=review)
    else:
        wanted = Q(
            review__journey=journey,
            review__status=ReviewStatus.COMPLETED,
            review__completed_at__lte=period.end,
        )
        if period.start is not None:
            wanted &= Q(review__completed_at__gt=period.start)
    by_tp = {tp.pk: tp for tp in pack.touchpoints}
    for decision in ReviewDecision.objects.filter(wanted).order_by("decided_at"):
        tp = by_tp.get(decision.touchpoint_id)
        if tp is not None:
            tp.decided_ideas.append(decision)
