"""The demo's history is spread over the past months like real use, and stays consistent.

Found by hand: every history row of the seeded demo (touchpoint changes, idea events, votes,
comments) carried the minute of seeding, so "history" pages showed one moment for everything.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.seed import seed_demo
from ideas.models import Comment, Idea, IdeaEvent, IdeaStatus, Vote
from journeys.models import Journey
from motmap.models import Membership, Organisation
from reviews.models import Review, ReviewStatus
from touchpoints.models import Touchpoint, TouchpointChange
from touchpoints.selectors import last_saved


@pytest.fixture
def seeded(demo, db):
    return demo["seeded_at"]


def _span(values):
    values = list(values)
    return max(values) - min(values)


def test_history_spans_months_not_the_seeding_minute(seeded):
    now = timezone.now()
    for model, name in [
        (TouchpointChange, "changed_at"),
        (IdeaEvent, "at"),
        (Vote, "created_at"),
        (Comment, "created_at"),
        (Idea, "created_at"),
    ]:
        stamps = list(model.objects.values_list(name, flat=True))
        assert stamps, model
        assert _span(stamps) > timedelta(days=60), (model, min(stamps), max(stamps))
        assert len(set(stamps)) >= min(10, len(stamps)), model  # not all one moment
        assert all(stamp <= now for stamp in stamps), model
        assert all(stamp < seeded for stamp in stamps), (model, "still dated at seeding")
    # The journeys were mapped (their touchpoints written) months ago, before any of that.
    assert all(t.created_at < now - timedelta(days=180) for t in Touchpoint.objects.all())
    assert Organisation.objects.get().created_at < now - timedelta(days=180)
    assert all(m.created_at < now - timedelta(days=180) for m in Membership.objects.all())
    assert all(u.date_joined < now - timedelta(days=180) for u in get_user_model().objects.all())


def test_each_ideas_events_votes_and_comments_follow_it(seeded):
    ideas = list(Idea.objects.order_by("number"))
    created = [idea.created_at for idea in ideas]
    assert created == sorted(created) and len(set(created)) == len(created)  # #1 first
    for idea in ideas:
        events = list(idea.events.order_by("at"))
        assert events[0].to_status == IdeaStatus.NEW and events[0].at == idea.created_at
        assert [e.to_status for e in events][1:] == [
            e.to_status for e in sorted(events[1:], key=lambda e: e.at)
        ]
        for earlier, later in zip(events, events[1:], strict=False):
            assert earlier.at < later.at and earlier.to_status == later.from_status
        assert idea.status_changed_at == events[-1].at
        for row in [*idea.votes.all(), *idea.comments.all()]:
            assert row.created_at > idea.created_at
        if idea.status == IdeaStatus.IMPLEMENTED:
            assert idea.implemented_at == max(
                e.at for e in events if e.to_status == IdeaStatus.IMPLEMENTED
            )
        if idea.duplicate_of_id:
            assert idea.duplicate_of.created_at < idea.created_at
        assert idea.created_at > idea.touchpoint.created_at


def test_reviews_are_past_in_order_and_their_rating_changes_dated_with_them(seeded):
    tz = Organisation.objects.get().tzinfo
    for journey in Journey.objects.all():
        reviews = list(
            Review.objects.filter(journey=journey, status=ReviewStatus.COMPLETED).order_by(
                "held_on"
            )
        )
        assert len(reviews) == 2
        assert reviews[0].completed_at < reviews[1].completed_at < timezone.now()
        assert journey.created_at < reviews[0].started_at
        completed_days = {r.completed_at for r in reviews}
        rating_changes = TouchpointChange.objects.filter(
            touchpoint__journey=journey, field="rating_current"
        ).exclude(old_value="")
        assert rating_changes.exists()
        assert set(rating_changes.values_list("changed_at", flat=True)) <= completed_days
        for review in reviews:
            assert review.completed_at.astimezone(tz).date() == review.held_on


def test_who_saved_a_touchpoint_last_is_still_known(seeded):
    """The touchpoint's own updated_at moved with its history: its last saver is shown."""
    for tp in Touchpoint.objects.all():
        actor, when = last_saved(tp)
        assert actor is not None and when == tp.updated_at, tp


def test_a_second_run_moves_no_dates(seeded):
    stamps = sorted(TouchpointChange.objects.values_list("changed_at", flat=True))
    ideas = sorted(Idea.objects.values_list("created_at", flat=True))
    seed_demo(packs=False)
    assert sorted(TouchpointChange.objects.values_list("changed_at", flat=True)) == stamps
    assert sorted(Idea.objects.values_list("created_at", flat=True)) == ideas
