"""Customers' answers beside the team's rating wherever a rating is shown: the priority list
(which uses the customers' rating where they gave enough answers, and says so), the emotion
curve's customers' line, the printed pack (line, weeks, "customers disagree") and the review
meeting."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.services import feedback_open, response_record
from packs.selectors import gather_journey_pack
from pages.selectors import journey_board
from reviews.services import local_today, review_start
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory


@pytest.fixture
def journey(nordic, bob):
    journey = JourneyFactory(organisation=nordic, name="Business trip")
    stage = StageFactory(journey=journey)
    # the team: check-in pleases (target wows), the gate disappoints (target pleases)
    TouchpointFactory(
        stage=stage,
        position=1,
        name="Check-in desk",
        contacts_per_day=5000,
        rating_current=1,
        rating_target=2,
    )
    TouchpointFactory(
        stage=stage,
        position=2,
        name="Boarding gate",
        contacts_per_day=4000,
        rating_current=-1,
        rating_target=1,
    )
    return journey


def answers(touchpoint, actor, face, count):
    point = feedback_open(actor=actor, touchpoint=touchpoint)
    for i in range(count):
        response_record(
            point=point,
            submission_id=uuid.uuid4(),
            face=face,
            respondent=f"{touchpoint.pk}-{i}",
            now=timezone.now() - timedelta(hours=i),
        )


def test_the_priority_list_uses_the_customers_rating_where_they_gave_enough(journey, bob):
    checkin = journey.touchpoints.get(name="Check-in desk")
    gate = journey.touchpoints.get(name="Boarding gate")
    board = journey_board(journey)
    assert [(row.name, row.priority, row.by_customers) for row in board.priorities] == [
        ("Boarding gate", 8000, False),
        ("Check-in desk", 5000, False),
    ]
    answers(checkin, bob, -1, 30)  # customers: disappoints, 3 steps below the target
    answers(gate, bob, -1, 29)  # one answer short of a figure: the team's rating
    board = journey_board(journey)
    assert [
        (row.name, row.priority, row.by_customers, row.customers_disagree)
        for row in board.priorities
    ] == [("Check-in desk", 15000, True, True), ("Boarding gate", 8000, False, False)]
    assert [tp.name for tp in board.disagreements] == ["Check-in desk"]
    points = {p.touchpoint.name: p for p in board.curve.points}
    assert points["Check-in desk"].customers == -1.0 and points["Boarding gate"].customers is None
    assert board.curve.has_customers and len(board.curve.customers_polylines) == 1


def test_the_board_page_says_which_rating_the_priorities_used(client_for, bob, nordic, journey):
    answers(journey.touchpoints.get(name="Check-in desk"), bob, -1, 30)
    body = client_for(bob).get(f"/o/{nordic.slug}/journeys/{journey.pk}/").content.decode()
    assert "(customers' rating)" in body
    priorities = body[body.index('class="priorities"') : body.index("priorities__note")]
    assert "customers disagree" in priorities
    assert 'class="curve__customers"' in body and "customers (90 days)" in body


def test_the_pack_shows_customers_beside_the_team(client_for, bob, nordic, journey):
    answers(journey.touchpoints.get(name="Check-in desk"), bob, -2, 31)
    pack = gather_journey_pack(journey)
    checkin = next(tp for tp in pack.touchpoints if tp.name == "Check-in desk")
    assert checkin.customers.answers == 31 and len(checkin.customer_weeks) == 13
    assert [tp.name for tp in pack.disagreements] == ["Check-in desk"]
    assert pack.board.priorities[0].by_customers and pack.board.priorities[0].customers_disagree
    body = client_for(bob).get(f"/o/{nordic.slug}/journeys/{journey.pk}/pack/").content.decode()
    assert "Where customers disagree" in body and "31 answers" in body
    assert 'class="fb-chart"' in body and 'stroke-dasharray="8 3 2 3"' in body
    assert "no answers yet" not in body  # the gate has none: it shows nothing of customers


def test_the_review_meeting_shows_the_period_answers(client_for, bob, nordic, journey):
    answers(journey.touchpoints.get(name="Check-in desk"), bob, 2, 12)
    review = review_start(actor=bob, journey=journey, held_on=local_today(nordic))
    body = client_for(bob).get(f"/o/{nordic.slug}/reviews/{review.pk}/").content.decode()
    assert "Customers, " in body and "too few answers (12 of 30)" in body


def test_the_pack_shows_the_answers_since_the_review_before(bob, nordic, journey):
    from reviews.models import Review
    from reviews.services import review_complete

    checkin = journey.touchpoints.get(name="Check-in desk")
    point = feedback_open(actor=bob, touchpoint=checkin)
    for days_ago, count in ((40, 7), (10, 3)):
        for _ in range(count):
            response_record(
                point=point,
                submission_id=uuid.uuid4(),
                face=1,
                respondent="",
                now=timezone.now() - timedelta(days=days_ago),
            )
    assert gather_journey_pack(journey).touchpoints[0].customers.answers == 10  # 90 days
    review = review_start(actor=bob, journey=journey, held_on=local_today(nordic))
    review_complete(actor=bob, review=review)
    Review.objects.filter(pk=review.pk).update(completed_at=timezone.now() - timedelta(days=20))
    pack = gather_journey_pack(journey)
    assert pack.touchpoints[0].customers.answers == 3  # since that review
    assert pack.customers_from == (timezone.localdate(timezone=nordic.tzinfo) - timedelta(days=19))
