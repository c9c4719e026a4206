"""The demo has past review meetings, so the trends, the previous curve and the dashboard show."""

import pytest

from demo.seed import JOURNEYS, seed_demo
from journeys.models import Journey
from motmap.models import Organisation
from reviews.models import Action, Review, ReviewStatus
from reviews.selectors import rating_trends
from reviews.services import local_today


@pytest.mark.django_db
def test_demo_has_two_completed_reviews_per_journey_with_changing_ratings(demo):
    for journey in Journey.objects.filter(organisation__slug="nordic-air"):
        reviews = list(journey.reviews.order_by("held_on"))
        assert [r.status for r in reviews] == [ReviewStatus.COMPLETED] * 2
        assert reviews[0].attendees.exists() and reviews[1].ratings.exclude(note="").exists()
        trends = rating_trends(journey).values()
        assert any(len({rating for _d, rating in trend}) > 1 for trend in trends)
        assert journey.next_review_on == reviews[1].next_review_on
        assert journey.next_review_on > local_today(journey.organisation)


@pytest.mark.django_db
def test_demo_touchpoints_end_at_their_listed_ratings(demo):
    listed = {
        tp["name"]: tp["rating_current"]
        for spec in JOURNEYS
        for stage in spec["stages"]
        for tp in stage["touchpoints"]
    }
    for journey in Journey.objects.filter(organisation__slug="nordic-air"):
        for tp in journey.touchpoints.all():
            assert tp.rating_current == listed[tp.name]


@pytest.mark.django_db
def test_demo_actions_are_done_dropped_open_and_one_overdue(demo):
    today = local_today(Organisation.objects.get(slug="nordic-air"))
    statuses = set(Action.objects.values_list("status", flat=True))
    assert statuses == {"done", "dropped", "open"}
    assert Action.objects.overdue(today).count() == 1
    assert all(a.next_reminder_at for a in Action.objects.open())


@pytest.mark.django_db
def test_seeding_again_adds_no_reviews_or_actions(demo):
    counts = (Review.objects.count(), Action.objects.count())
    result = seed_demo()
    assert (Review.objects.count(), Action.objects.count()) == counts
    assert result.reviews_created == 0
