"""Reads shared by the pages (and later the API), with their joins and prefetches."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, Sum
from django.db.models.functions import Coalesce

from ideas.models import OPEN_STATUSES
from motmap.models import EDITOR_ROLES, Membership
from touchpoints.models import RATING_SYMBOLS, Rating, Touchpoint

from .models import Journey, Stage

PRIORITY_COUNT = 5


def journeys_with_figures(org):
    """Every journey of `org` with its touchpoint count and figures, in one query."""
    return (
        Journey.objects.for_org(org)
        .select_related("owner")
        .annotate(
            touchpoint_count=Count("touchpoints"),
            moments_per_day=Coalesce(Sum("touchpoints__contacts_per_day"), 0),
            seconds_per_customer=Coalesce(Sum("touchpoints__duration_seconds"), 0),
            below_target=Count(
                "touchpoints",
                filter=Q(touchpoints__rating_current__lt=F("touchpoints__rating_target")),
            ),
        )
        .order_by("name")
    )


def editors_of(org):
    """Members who may own a journey (managers and owners)."""
    return (
        Membership.objects.filter(organisation=org, role__in=EDITOR_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def members_of(org):
    return (
        Membership.objects.filter(organisation=org)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


@dataclass
class CurvePoint:
    x: float
    y_current: float
    y_target: float
    touchpoint: Touchpoint
    previous: int | None = None  # the rating given in the previous completed review
    y_previous: float | None = None


@dataclass
class EmotionCurve:
    """The journey's ratings in customer order, laid out for an inline SVG."""

    points: list
    width: int
    height: int
    levels: list = field(default_factory=list)
    top: int = 16
    left: int = 104
    step: int = 0
    previous_on: object = None  # the date of the review the dotted line shows

    @property
    def current_polyline(self):
        return " ".join(f"{p.x:.1f},{p.y_current:.1f}" for p in self.points)

    @property
    def target_polyline(self):
        return " ".join(f"{p.x:.1f},{p.y_target:.1f}" for p in self.points)

    @property
    def previous_polyline(self):
        return " ".join(
            f"{p.x:.1f},{p.y_previous:.1f}" for p in self.points if p.y_previous is not None
        )

    @property
    def has_previous(self):
        return any(p.y_previous is not None for p in self.points)

    @property
    def plot_right(self):
        return self.width - 16

    @property
    def baseline(self):
        return self.top + 4 * self.step


def emotion_curve(touchpoints, *, previous=None, step=30, spacing=56, left=104, top=16):
    """`previous`: touchpoint id -> rating in the previous completed review (a third line)."""
    previous = previous or {}

    def y(rating):
        return top + (2 - rating) * step

    n = len(touchpoints)
    width = left + max(n, 1) * spacing + 16
    points = [
        CurvePoint(
            x=left + spacing / 2 + i * spacing,
            y_current=y(tp.rating_current),
            y_target=y(tp.rating_target),
            touchpoint=tp,
            previous=previous.get(tp.pk),
            y_previous=y(previous[tp.pk]) if previous.get(tp.pk) is not None else None,
        )
        for i, tp in enumerate(touchpoints)
    ]
    levels = [
        {"y": y(value), "label": label, "symbol": RATING_SYMBOLS[value], "value": value}
        for value, label in Rating.choices
    ]
    return EmotionCurve(
        points=points,
        width=width,
        height=top + 4 * step + 40,
        levels=levels,
        top=top,
        left=left,
        step=step,
    )


@dataclass
class Board:
    journey: Journey
    stages: list
    touchpoints: list
    curve: EmotionCurve
    open_review: object
    moments_per_day: int
    seconds_per_customer: int
    priorities: list


def priorities(touchpoints, count=PRIORITY_COUNT):
    """The touchpoints where volume x gap (target - current) is largest."""
    ranked = [tp for tp in touchpoints if tp.priority > 0]
    ranked.sort(key=lambda tp: (-tp.priority, tp.name))
    return ranked[:count]


def journey_board(journey):
    """Everything the board shows, in a fixed number of queries whatever the size."""
    stages = list(
        Stage.objects.filter(journey=journey)
        .order_by("position")
        .prefetch_related(
            Prefetch(
                "touchpoints",
                queryset=Touchpoint.objects.select_related("owner")
                .annotate(open_ideas=Count("ideas", filter=Q(ideas__status__in=OPEN_STATUSES)))
                .order_by("position"),
            )
        )
    )
    ordered = [tp for stage in stages for tp in stage.touchpoints.all()]
    for number, tp in enumerate(ordered, start=1):
        tp.number = number  # the same number on the card and on the curve
    from reviews.selectors import open_review, previous_review_ratings

    previous = previous_review_ratings(journey, {tp.pk: tp.rating_current for tp in ordered})
    curve = emotion_curve(ordered, previous=previous.ratings if previous else None)
    curve.previous_on = previous.held_on if previous else None
    return Board(
        journey=journey,
        stages=stages,
        touchpoints=ordered,
        curve=curve,
        open_review=open_review(journey),
        moments_per_day=sum(tp.contacts_per_day for tp in ordered),
        seconds_per_customer=sum(tp.duration_seconds for tp in ordered),
        priorities=priorities(ordered),
    )


def stages_with_counts(journey):
    return (
        Stage.objects.filter(journey=journey)
        .annotate(touchpoint_count=Count("touchpoints"))
        .order_by("position")
    )
