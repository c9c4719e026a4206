"""Reads for the screens that show several apps at once: the board (the journey map with each
touchpoint's open ideas and the review overlay) and the touchpoint page (with its trend)."""

from dataclasses import dataclass, fields
from typing import Any

from ideas.selectors import with_open_ideas
from journeys.models import Journey
from reviews.models import Review
from reviews.selectors import open_review, previous_review_ratings, touchpoint_trend
from touchpoints.models import Touchpoint
from touchpoints.selectors import JourneyMap, emotion_curve, journey_map, touchpoint_history


@dataclass
class Board(JourneyMap):
    open_review: Review | None = None  # the review in progress of this journey, if any


def journey_board(journey: Journey) -> Board:
    """Everything the board shows, in a fixed number of queries whatever the size: the map,
    each touchpoint's open ideas, the previous review's line on the curve, the open review."""
    base = journey_map(journey, touchpoints=with_open_ideas(Touchpoint.objects.all()))
    board = Board(**{f.name: getattr(base, f.name) for f in fields(base)})
    ordered = board.touchpoints
    previous = previous_review_ratings(journey, {tp.pk: tp.rating_current for tp in ordered})
    if previous:
        board.curve = emotion_curve(ordered, previous=previous.ratings)
        board.curve.previous_on = previous.held_on
    board.open_review = open_review(journey)
    return board


def touchpoint_page(touchpoint: Touchpoint) -> dict[str, Any]:
    """The touchpoint page: its history, its open ideas and its ratings across reviews."""
    return {
        "touchpoint": touchpoint,
        "history": touchpoint_history(touchpoint),
        "open_ideas": touchpoint.ideas.open().count(),
        "trend": touchpoint_trend(touchpoint),
    }
