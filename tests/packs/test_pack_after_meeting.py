"""The pack printed right after a meeting: its period includes the meeting, and the ideas
decided in it are listed per touchpoint (in the review's pack and the default one)."""

from datetime import date, timedelta

import pytest
import time_machine

from packs import selectors
from reviews import services
from reviews.models import Review
from tests.factories import IdeaFactory

NOW = "2026-12-01 15:00:00+01:00"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def pack_url(journey, query=""):
    return f"/o/{journey.organisation.slug}/journeys/{journey.pk}/pack/{query}"


def hold_meeting(bob, journey, touchpoint, held_on):
    idea = IdeaFactory(touchpoint=touchpoint, title="Greet every guest by name")
    review = services.review_start(actor=bob, journey=journey, held_on=held_on)
    services.review_idea_decide(
        actor=bob, review=review, idea=idea, status="declined", note="Badges do it already"
    )
    services.review_complete(actor=bob, review=review, store_pack=False)
    return review, idea


def test_print_pack_right_after_a_meeting_prints_the_period_that_includes_it(
    client_for, bob, journey, touchpoint, _frozen
):
    earlier = services.review_start(actor=bob, journey=journey, held_on=date(2026, 9, 1))
    _frozen.shift(timedelta(days=-91))
    services.review_complete(actor=bob, review=earlier, store_pack=False)
    _frozen.shift(timedelta(days=91))
    review, idea = hold_meeting(bob, journey, touchpoint, date(2026, 12, 1))

    period = selectors.gather_journey_pack(journey).period
    assert (
        period.just_held == review
        and period.start == Review.objects.get(pk=earlier.pk).completed_at
    )
    page = client_for(bob).get(pack_url(journey)).content.decode()
    assert "to 1 Dec 2026, including the review of 1 Dec 2026" in page
    assert "Ideas decided in the review" in page
    assert f"#{idea.number} <bdi>Greet every guest by name</bdi>: <strong>declined</strong>" in page
    assert "Badges do it already" in page

    _frozen.shift(timedelta(days=8))  # a week on, the next meeting is being prepared
    period = selectors.gather_journey_pack(journey).period
    assert (
        period.just_held is None and period.start == Review.objects.get(pk=review.pk).completed_at
    )
    page = client_for(bob).get(pack_url(journey)).content.decode()
    assert "From the last completed review, 1 Dec 2026, to 9 Dec 2026" in page
    assert "Ideas decided in the review" not in page


def test_the_first_meeting_includes_everything_from_the_start(client_for, bob, journey, touchpoint):
    hold_meeting(bob, journey, touchpoint, date(2026, 12, 1))
    page = client_for(bob).get(pack_url(journey)).content.decode()
    assert "From the start to 1 Dec 2026, including the review of 1 Dec 2026" in page


def test_the_pack_of_a_review_lists_what_it_decided(client_for, carol, bob, journey, touchpoint):
    review, idea = hold_meeting(bob, journey, touchpoint, date(2026, 12, 1))
    page = client_for(carol).get(pack_url(journey, f"?review={review.pk}")).content.decode()
    assert "Ideas decided in this review" in page
    assert "<strong>declined</strong>" in page and "Badges do it already" in page
    idea.delete()  # the record reads the same after the idea is gone
    page = client_for(carol).get(pack_url(journey, f"?review={review.pk}")).content.decode()
    assert "Greet every guest by name</bdi>: <strong>declined</strong>" in page


def test_a_decision_on_an_idea_of_another_journey_is_refused(bob, journey, nordic):
    from tests.factories import JourneyFactory, StageFactory, TouchpointFactory

    other = TouchpointFactory(stage=StageFactory(journey=JourneyFactory(organisation=nordic)))
    idea = IdeaFactory(touchpoint=other)
    review = services.review_start(actor=bob, journey=journey, held_on=date(2026, 12, 1))
    with pytest.raises(services.ValidationError):
        services.review_idea_decide(actor=bob, review=review, idea=idea, status="accepted")
    idea.refresh_from_db()
    assert idea.status == "new" and not review.decisions.exists()
