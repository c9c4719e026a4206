from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, QuerySet

from journeys.models import Journey, Stage
from motmap.models import User

from .models import RATING_SYMBOLS, Rating, Touchpoint, TouchpointChange
from .services import EditConflict

PRIORITY_COUNT = 5

FIELD_LABELS = {
    f.name: f.verbose_name for f in Touchpoint._meta.get_fields() if hasattr(f, "verbose_name")
}


def _display(field: str, value: Any) -> Any:
    if field in ("rating_current", "rating_target"):
        try:
            return Rating(int(value)).label
        except (TypeError, ValueError):
            return value
    return value


def touchpoint_history(touchpoint: Touchpoint, limit: int = 100) -> list[dict[str, Any]]:
    """Who changed the desired outcome, customer wants and ratings, when, from what, to what."""
    changes = (
        TouchpointChange.objects.filter(touchpoint=touchpoint)
        .select_related("actor")
        .order_by("-changed_at")[:limit]
    )
    return [
        {
            "change": c,
            "label": FIELD_LABELS.get(c.field, c.field),
            "old": _display(c.field, c.old_value),
            "new": _display(c.field, c.new_value),
        }
        for c in changes
    ]


def conflict_rows(conflict: EditConflict) -> list[dict[str, Any]]:
    """An EditConflict as rows to show: each clashing field's label, this edit's value and the
    stored one (the fields were compared once, by `services.same_value`)."""
    return [
        {
            "label": FIELD_LABELS.get(name, name),
            "yours": _display(name, value),
            "theirs": _display(name, getattr(conflict.current, name)),
        }
        for name, value in conflict.fields.items()
    ]


def last_saved(touchpoint: Touchpoint) -> tuple[User | None, datetime | None]:
    """Who saved the touchpoint last and when: (user or None, datetime). One query.

    The latest history row gives both. History is kept for the tracked fields only, so a later
    save (`updated_at` after that row, e.g. only the name changed) is shown as (None, when it
    was saved): the time is known, the person is not. (None, None) for an unsaved touchpoint.
    """
    change = (
        TouchpointChange.objects.filter(touchpoint_id=touchpoint.pk)
        .select_related("actor")
        .order_by("-changed_at")
        .first()
    )
    saved_at = None if "updated_at" in touchpoint.get_deferred_fields() else touchpoint.updated_at
    if change is not None and (saved_at is None or change.changed_at >= saved_at):
        return change.actor, change.changed_at
    return None, saved_at


# --- the journey map: the board's and the pack's layout ------------------------------------


@dataclass
class CurvePoint:
    x: float
    y_current: float
    y_target: float
    touchpoint: Touchpoint
    previous: int | None = None  # the rating given in the previous completed review
    y_previous: float | None = None
    customers: float | None = None  # the customers' mean rating, where a layer above gave one
    y_customers: float | None = None


@dataclass
class EmotionCurve:
    """The journey's ratings in customer order, laid out for an inline SVG."""

    points: list[CurvePoint]
    width: int
    height: int
    levels: list[dict[str, Any]] = field(default_factory=list)
    top: int = 16
    left: int = 104
    step: int = 0
    previous_on: date | None = None  # the date of the review the dotted line shows

    @property
    def current_polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y_current:.1f}" for p in self.points)

    @property
    def target_polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y_target:.1f}" for p in self.points)

    @property
    def previous_polyline(self) -> str:
        return " ".join(
            f"{p.x:.1f},{p.y_previous:.1f}" for p in self.points if p.y_previous is not None
        )

    @property
    def has_previous(self) -> bool:
        return any(p.y_previous is not None for p in self.points)

    @property
    def customers_polylines(self) -> list[str]:
        """The customers' line, one polyline per run of touchpoints that have their rating
        (a gap where customers gave too few answers)."""
        runs: list[list[CurvePoint]] = [[]]
        for p in self.points:
            if p.y_customers is None:
                runs.append([])
            else:
                runs[-1].append(p)
        return [" ".join(f"{p.x:.1f},{p.y_customers:.1f}" for p in run) for run in runs if run]

    @property
    def has_customers(self) -> bool:
        return any(p.y_customers is not None for p in self.points)

    @property
    def plot_right(self) -> int:
        return self.width - 16

    @property
    def baseline(self) -> int:
        return self.top + 4 * self.step


def emotion_curve(
    touchpoints: Sequence[Touchpoint],
    *,
    previous: Mapping[UUID, int | None] | None = None,
    step: int = 30,
    spacing: int = 56,
    left: int = 104,
    top: int = 16,
) -> EmotionCurve:
    """`previous`: touchpoint id -> rating in the previous completed review (a third line)."""
    previous = previous or {}

    def y(rating: int) -> int:
        return top + (2 - rating) * step

    n = len(touchpoints)
    width = left + max(n, 1) * spacing + 16
    points = []
    for i, tp in enumerate(touchpoints):
        before = previous.get(tp.pk)
        points.append(
            CurvePoint(
                x=left + spacing / 2 + i * spacing,
                y_current=y(tp.rating_current),
                y_target=y(tp.rating_target),
                touchpoint=tp,
                previous=before,
                y_previous=None if before is None else y(before),
            )
        )
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


def add_customers(curve: EmotionCurve, means: Mapping[UUID, float]) -> None:
    """Draw the customers' line: `means` is {touchpoint id: customers' mean rating, -2..+2}
    where they gave enough answers (from the layer above)."""
    for p in curve.points:
        mean = means.get(p.touchpoint.pk)
        p.customers = mean
        p.y_customers = None if mean is None else curve.top + (2 - mean) * curve.step


@dataclass
class JourneyMap:
    """A journey's stages and touchpoints in customer order (numbered as on the board), its
    emotion curve, its figures and its priorities: what the board and the printed pack share."""

    journey: Journey
    stages: list[Stage]
    touchpoints: list[Touchpoint]
    curve: EmotionCurve
    moments_per_day: int
    seconds_per_customer: int
    priorities: list["Priority"]


@dataclass(frozen=True)
class Priority:
    """A touchpoint in the priority list: its volume x gap, whose rating the gap is from (the
    customers', where a layer above gave one, or the team's), and whether customers disagree
    with the team's rating (the layer above says which do)."""

    touchpoint: Touchpoint
    gap: int
    by_customers: bool = False
    customers_disagree: bool = False

    @property
    def name(self) -> str:
        return self.touchpoint.name

    @property
    def priority(self) -> int:
        return self.touchpoint.contacts_per_day * self.gap


def priorities(
    touchpoints: Iterable[Touchpoint],
    count: int = PRIORITY_COUNT,
    *,
    customer_ratings: Mapping[Any, int] | None = None,
    disagreeing: Collection[Any] = (),
) -> list[Priority]:
    """The touchpoints where volume x gap (target - rating) is largest. The rating is the
    customers' where `customer_ratings` ({touchpoint id: rating}) has one (enough answers),
    else the team's current rating; the rows of the ids in `disagreeing` are flagged
    "customers disagree"."""
    customer_ratings = customer_ratings or {}
    ranked = []
    for tp in touchpoints:
        customers = customer_ratings.get(tp.pk)
        rating = tp.rating_current if customers is None else customers
        row = Priority(
            tp,
            max(tp.rating_target - rating, 0),
            by_customers=customers is not None,
            customers_disagree=tp.pk in disagreeing,
        )
        if row.priority > 0:
            ranked.append(row)
    ranked.sort(key=lambda row: (-row.priority, row.name))
    return ranked[:count]


def journey_map(journey: Journey, *, touchpoints: QuerySet[Touchpoint] | None = None) -> JourneyMap:
    """The map of `journey` in two queries, whatever its size.

    `touchpoints`: the queryset the stages' touchpoints come from, for a layer above that
    annotates them (the board adds each one's open ideas); ordered and joined here."""
    queryset = touchpoints if touchpoints is not None else Touchpoint.objects.all()
    stages = list(
        Stage.objects.filter(journey=journey)
        .order_by("position")
        .prefetch_related(
            Prefetch("touchpoints", queryset=queryset.select_related("owner").order_by("position"))
        )
    )
    ordered = [tp for stage in stages for tp in stage.touchpoints.all()]
    for number, tp in enumerate(ordered, start=1):
        tp.number = number  # the same number on the card and on the curve
    return JourneyMap(
        journey=journey,
        stages=stages,
        touchpoints=ordered,
        curve=emotion_curve(ordered),
        moments_per_day=sum(tp.contacts_per_day for tp in ordered),
        seconds_per_customer=sum(tp.duration_seconds for tp in ordered),
        priorities=priorities(ordered),
    )
