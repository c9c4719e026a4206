"""What the team reads of customers' feedback, from the daily roll-ups (never the raw
answers): per touchpoint and period, the count of each face, the mean on -2..+2 with its
confidence interval, the share of the top two faces, the answers excluded as repeats, the posts
refused as bursts, and the reasons chosen."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import DateField, F, Func, IntegerField, QuerySet, Sum, Value

from motmap.models import Organisation

from .models import FeedbackDay, FeedbackReasonDay, FeedbackResponse

FACES = (-2, -1, 0, 1, 2)
PERIOD_DAYS = 90  # what the touchpoint page, the board and the pack show


@dataclass(frozen=True)
class Summary:
    """Customers' answers for one touchpoint over a period."""

    faces: dict[int, int]  # counted answers per face, -2 ... +2
    excluded: int = 0
    throttled: int = 0  # posts refused (429) as part of a burst from one address
    imported: int = 0  # of the counted answers, those imported from other survey tools
    reasons: list[tuple[str, int]] = field(default_factory=list)  # most chosen first

    @property
    def answers(self) -> int:
        return sum(self.faces.values())

    @property
    def enough(self) -> bool:
        """Enough answers for a figure (FEEDBACK_MIN_ANSWERS); below it pages say so."""
        return self.answers >= settings.FEEDBACK_MIN_ANSWERS

    @property
    def mean(self) -> float | None:
        n = self.answers
        return sum(face * count for face, count in self.faces.items()) / n if n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95% confidence interval of the mean (normal approximation), within -2..+2."""
        n, mean = self.answers, self.mean
        if mean is None or n < 2:
            return None
        variance = sum(count * (face - mean) ** 2 for face, count in self.faces.items()) / (n - 1)
        half = 1.96 * math.sqrt(variance / n)
        return max(-2.0, mean - half), min(2.0, mean + half)

    @property
    def top_two_share(self) -> float | None:
        """CSAT: the share of answers with one of the two best faces."""
        n = self.answers
        return (self.faces[1] + self.faces[2]) / n if n else None

    @property
    def bottom_two_share(self) -> float | None:
        """The share of answers with one of the two worst faces."""
        n = self.answers
        return (self.faces[-2] + self.faces[-1]) / n if n else None

    @property
    def rating(self) -> int | None:
        """The customers' verdict on motmap's scale (the mean, rounded), if there are enough
        answers for one."""
        mean = self.mean
        return round(mean) if self.enough and mean is not None else None

    def disagrees_with(self, team_rating: int | None) -> bool:
        """Whether customers, with enough answers, rate the moment a step or more away from
        the team's current rating."""
        mean = self.mean
        if team_rating is None or mean is None or not self.enough:
            return False
        return abs(mean - team_rating) >= 1


EMPTY = Summary(faces=dict.fromkeys(FACES, 0))


def customer_means(summaries: dict[UUID, Summary]) -> dict[UUID, float]:
    """{touchpoint id: the customers' mean on -2..+2} where they gave enough answers: the
    emotion curve's customers' line."""
    return {pk: s.mean for pk, s in summaries.items() if s.enough and s.mean is not None}


def customer_ratings(summaries: dict[UUID, Summary]) -> dict[UUID, int]:
    """{touchpoint id: the customers' rating} where they gave enough answers: what the
    priority list uses instead of the team's rating."""
    return {pk: s.rating for pk, s in summaries.items() if s.rating is not None}


def period(today: date, days: int = PERIOD_DAYS) -> tuple[date, date]:
    """The `days` days up to and including `today`."""
    return today - timedelta(days=days - 1), today


def since(first: date | None, end: date, *, most_days: int = 365) -> tuple[date, date]:
    """The days from `first` to `end` (both included), at most `most_days` of them: the answers
    a review meeting or its pack looks at, since the review before. Without a `first` (no
    review before), the last PERIOD_DAYS."""
    if first is None:
        return period(end)
    return min(max(first, end - timedelta(days=most_days - 1)), end), end


@dataclass(frozen=True)
class Week:
    """The counted answers of one week of a period (the last may be shorter)."""

    start: date
    summary: Summary


def weekly(touchpoint_id: UUID, start: date, end: date) -> list[Week]:
    """A touchpoint's answers week by week from `start` (weeks of seven days from it) to
    `end`; one query, over at most one roll-up row per day."""
    return weekly_for([touchpoint_id], start, end)[touchpoint_id]


class _WeekOf(Func):
    """The week of a date column counted from `start`: 0 for its first seven days, 1 for the
    next seven... (PostgreSQL subtracts dates into days; SQLite through julianday)."""

    arg_joiner = " - "
    template = "((%(expressions)s) / 7)"
    output_field = IntegerField()

    def __init__(self, column: str, start: date) -> None:
        super().__init__(F(column), Value(start, output_field=DateField()))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST((julianday(%(expressions)s)) / 7 AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


# The counts of a week besides its faces, in the order weekly_for reads them.
_OTHERS = ("excluded", "throttled", "imported")
_NOBODY = (0,) * (len(FACES) + len(_OTHERS))


def weekly_for(touchpoint_ids: Iterable[UUID], start: date, end: date) -> dict[UUID, list[Week]]:
    """{touchpoint id: its weeks} (see weekly) for every id given, in one query that adds the
    days up week by week in the database: a row per touchpoint and week, however many days."""
    ids = list(touchpoint_ids)
    count = (end - start).days // 7 + 1
    names = (*(FeedbackDay.FACE_FIELDS[face] for face in FACES), *_OTHERS)
    # {touchpoint id: [the week's sums, in the order of `names`, or None: nobody answered]}
    sums: dict[UUID, list[Sequence[int] | None]] = {pk: [None] * count for pk in ids}
    for pk, index, *numbers in (
        FeedbackDay.objects.filter(touchpoint_id__in=ids, day__range=(start, end))
        .annotate(week=_WeekOf("day", start))
        .values("touchpoint_id", "week")
        .annotate(**{f"n_{name}": Sum(name) for name in names})
        .order_by()
        .values_list("touchpoint_id", "week", *(f"n_{name}" for name in names))
    ):
        sums[pk][index] = numbers
    starts = [start + timedelta(days=7 * index) for index in range(count)]
    return {
        pk: [
            Week(start=starts[index], summary=_summary(numbers))
            for index, numbers in enumerate(weeks)
        ]
        for pk, weeks in sums.items()
    }


def _summary(numbers: Sequence[int] | None) -> Summary:
    """A Summary (without reasons) from the sums of weekly_for's row, in its order."""
    numbers = numbers or _NOBODY
    excluded, throttled, imported = numbers[len(FACES) :]
    return Summary(
        faces=dict(zip(FACES, numbers[: len(FACES)], strict=True)),
        excluded=excluded,
        throttled=throttled,
        imported=imported,
    )


def total(weeks: Sequence[Week]) -> Summary:
    """The Summary of a period from its weeks (without the reasons): for a page that shows
    both, one query instead of two."""
    return Summary(
        faces={face: sum(week.summary.faces[face] for week in weeks) for face in FACES},
        excluded=sum(week.summary.excluded for week in weeks),
        throttled=sum(week.summary.throttled for week in weeks),
        imported=sum(week.summary.imported for week in weeks),
    )


def summaries(
    touchpoint_ids: Iterable[UUID], start: date, end: date, *, reasons: bool = True
) -> dict[UUID, Summary]:
    """{touchpoint id: Summary} of the days from `start` to `end` (both included), for every
    id given (an empty summary where nobody answered). Two queries, whatever the number of
    touchpoints and answers; one without the `reasons` chosen (pages that do not show them)."""
    ids = list(touchpoint_ids)
    columns = {face: FeedbackDay.FACE_FIELDS[face] for face in FACES}
    totals = {
        row["touchpoint_id"]: row
        for row in FeedbackDay.objects.filter(touchpoint_id__in=ids, day__range=(start, end))
        .values("touchpoint_id")
        .annotate(
            **{f"n_{name}": Sum(name) for name in columns.values()},
            n_excluded=Sum("excluded"),
            n_throttled=Sum("throttled"),
            n_imported=Sum("imported"),
        )
        .order_by()
    }
    chosen: dict[UUID, list[tuple[str, int]]] = {}
    for touchpoint_id, reason, count in (
        FeedbackReasonDay.objects.filter(touchpoint_id__in=ids, day__range=(start, end))
        .values_list("touchpoint_id", "reason")
        .annotate(total=Sum("count"))
        .order_by("-total", "reason")
        if reasons
        else ()
    ):
        chosen.setdefault(touchpoint_id, []).append((reason, count))
    result = {}
    for touchpoint_id in ids:
        row: dict[str, Any] = dict(totals.get(touchpoint_id, {}))
        result[touchpoint_id] = Summary(
            faces={face: row.get(f"n_{name}") or 0 for face, name in columns.items()},
            excluded=row.get("n_excluded") or 0,
            throttled=row.get("n_throttled") or 0,
            imported=row.get("n_imported") or 0,
            reasons=chosen.get(touchpoint_id, []),
        )
    return result


def comments(
    organisation: Organisation,
    *,
    journey: UUID | None = None,
    touchpoint: UUID | None = None,
    face: int | None = None,
    reason: str = "",
    unread: bool = False,
) -> QuerySet[FeedbackResponse]:
    """Customers' comments of an organisation, newest first, with their touchpoint and the
    idea made of them; narrowed by journey, touchpoint, face, reason or not yet read."""
    answers = (
        FeedbackResponse.objects.for_org(organisation)
        .exclude(comment="")
        .select_related("touchpoint__journey", "touchpoint__stage", "idea")
        .order_by("-created_at")
    )
    if journey is not None:
        answers = answers.filter(touchpoint__journey_id=journey)
    if touchpoint is not None:
        answers = answers.filter(touchpoint_id=touchpoint)
    if face is not None:
        answers = answers.filter(face=face)
    if reason:
        answers = answers.filter(reason=reason)
    if unread:
        answers = answers.filter(comment_read_at__isnull=True)
    return answers
