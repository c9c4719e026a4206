"""Reads for the screens that show several apps at once: the board (the journey map with each
touchpoint's open ideas and the review overlay) and the touchpoint page (with its trend)."""

from dataclasses import dataclass, field, fields
from typing import Any

from django.utils import timezone

from feedback import selectors as feedback_selectors
from feedback import services as feedback_services
from feedback.models import FACES, FeedbackPoint
from feedback.selectors import customer_means, customer_ratings
from ideas.selectors import with_open_ideas
from journeys.models import Journey
from reviews.models import Review
from reviews.selectors import open_review, previous_review_ratings, touchpoint_trend
from touchpoints.models import Touchpoint
from touchpoints.selectors import (
    JourneyMap,
    add_customers,
    emotion_curve,
    journey_map,
    priorities,
    touchpoint_history,
)


@dataclass
class Board(JourneyMap):
    open_review: Review | None = None  # the review in progress of this journey, if any
    # the touchpoints whose customers (with enough answers) rate them a step or more away
    # from the team's current rating
    disagreements: list[Touchpoint] = field(default_factory=list)


def journey_board(journey: Journey) -> Board:
    """Everything the board shows, in a fixed number of queries whatever the size: the map,
    each touchpoint's open ideas, the previous review's line on the curve, the open review,
    and what customers said in the last PERIOD_DAYS days (`tp.customers`, a Summary)."""
    base = journey_map(journey, touchpoints=with_open_ideas(Touchpoint.objects.all()))
    board = Board(**{f.name: getattr(base, f.name) for f in fields(base)})
    ordered = board.touchpoints
    previous = previous_review_ratings(journey, {tp.pk: tp.rating_current for tp in ordered})
    if previous:
        board.curve = emotion_curve(ordered, previous=previous.ratings)
        board.curve.previous_on = previous.held_on
    board.open_review = open_review(journey)
    start, end = feedback_selectors.period(timezone.localdate(timezone=journey.organisation.tzinfo))
    customers = feedback_selectors.summaries([tp.pk for tp in ordered], start, end, reasons=False)
    for tp in ordered:
        setattr(tp, "customers", customers[tp.pk])  # noqa: B010  (not a model field)
    board.disagreements = [
        tp for tp in ordered if customers[tp.pk].disagrees_with(tp.rating_current)
    ]
    board.priorities = priorities(
        ordered,
        customer_ratings=customer_ratings(customers),
        disagreeing={tp.pk for tp in board.disagreements},
    )
    add_customers(board.curve, customer_means(customers))
    return board


def touchpoint_page(touchpoint: Touchpoint) -> dict[str, Any]:
    """The touchpoint page: its history, its open ideas, its ratings across reviews, and what
    customers said in the last PERIOD_DAYS days (week by week)."""
    start, end = feedback_selectors.period(
        timezone.localdate(timezone=touchpoint.organisation.tzinfo)
    )
    page = {
        "touchpoint": touchpoint,
        "history": touchpoint_history(touchpoint),
        "open_ideas": touchpoint.ideas.open().count(),
        "trend": touchpoint_trend(touchpoint),
        "feedback_point": FeedbackPoint.objects.filter(touchpoint=touchpoint).first(),
        "customers": feedback_selectors.summaries([touchpoint.pk], start, end)[touchpoint.pk],
        "customer_weeks": feedback_selectors.weekly(touchpoint.pk, start, end),
        "feedback_days": feedback_selectors.PERIOD_DAYS,
    }
    if page["feedback_point"] is not None:
        page["feedback_addresses"] = feedback_services.addresses(page["feedback_point"])
    customers = page["customers"]
    page["face_counts"] = [
        (value, symbol, word, customers.faces[value]) for value, symbol, word in FACES
    ]
    return page
