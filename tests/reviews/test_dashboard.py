"""The reviews dashboard, the journey board's review panel, trends and the previous curve."""

from datetime import date, timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from journeys.services import journey_archive
from reviews import selectors, services
from reviews.models import Action
from tests.factories import (
    ActionFactory,
    JourneyFactory,
    ReviewFactory,
    StageFactory,
    TouchpointFactory,
)
from touchpoints.selectors import emotion_curve

NOW = "2026-03-10 10:00:00+01:00"
TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _due(org, name, days):
    return JourneyFactory(organisation=org, name=name, next_review_on=TODAY + timedelta(days=days))


def test_dashboard_sorts_due_soon_overdue_and_leaves_out_archived_and_far(nordic, bob):
    _due(nordic, "Soon", 10)
    _due(nordic, "Late", -5)
    _due(nordic, "Far", 60)
    archived = _due(nordic, "Archived late", -5)
    journey_archive(actor=bob, journey=archived)
    data = selectors.dashboard(nordic, TODAY)
    assert [j.name for j in data.due_soon] == ["Soon"]
    assert [j.name for j in data.overdue] == ["Late"]
    assert data.overdue[0].days_overdue == 5


def test_dashboard_splits_open_and_overdue_actions_and_hides_closed(nordic, bob, mallory):
    journey = JourneyFactory(organisation=nordic)
    ActionFactory(journey=journey, title="Late one", owner=bob, due_on=TODAY - timedelta(days=1))
    ActionFactory(journey=journey, title="Fine one", owner=bob, due_on=TODAY)
    ActionFactory(journey=journey, title="Done one", owner=bob, status="done")
    ActionFactory(journey=JourneyFactory(organisation=mallory.memberships.get().organisation))
    data = selectors.dashboard(nordic, TODAY)
    assert [a.title for a in data.overdue_actions] == ["Late one"]
    assert [a.title for a in data.open_actions] == ["Fine one"]


def test_dashboard_page_has_the_actions_anchor_and_staff_see_it(client_for, carol, nordic, bob):
    journey = _due(nordic, "Late trip", -3)
    ActionFactory(journey=journey, title="Fix the queue", owner=carol, due_on=TODAY)
    response = client_for(carol).get(reverse("review_dashboard", args=["nordic-air"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="actions"' in body and "Fix the queue" in body and "Late trip" in body
    assert "3 days overdue" in body
    assert "Start review" not in body  # staff may not start one
    assert "✓ Done" in body  # carol owns the action, so she may mark it done


def test_dashboard_query_count_is_fixed(client_for, bob, nordic):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(bob)
    client.get("/o/nordic-air/")
    counts = []
    for n in (3, 30):
        for i in range(n):
            journey = _due(nordic, f"J{n}-{i}", i - 2)
            ActionFactory(journey=journey, owner=bob, due_on=TODAY - timedelta(days=i % 3))
            ReviewFactory(journey=journey, held_on=TODAY)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("review_dashboard", args=["nordic-air"])).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def _completed(bob, journey, ratings, held_on):
    review = services.review_start(actor=bob, journey=journey, held_on=held_on)
    for row in review.ratings.all():
        if row.touchpoint.name in ratings:
            services.review_rating_save(
                actor=bob, rating_row=row, rating=ratings[row.touchpoint.name], note=""
            )
    return services.review_complete(actor=bob, review=review)


def test_rating_trends_follow_completed_reviews_oldest_first(bob, journey, touchpoint):
    _completed(bob, journey, {"Check-in desk": -1}, TODAY - timedelta(days=180))
    _completed(bob, journey, {"Check-in desk": 1}, TODAY - timedelta(days=90))
    open_review = services.review_start(actor=bob, journey=journey, held_on=TODAY)
    row = open_review.ratings.get(touchpoint=touchpoint)
    services.review_rating_save(actor=bob, rating_row=row, rating=2, note="")  # not completed
    trends = selectors.rating_trends(journey)
    assert [r for _d, r in trends[touchpoint.pk]] == [-1, 1]
    touchpoint.refresh_from_db()
    assert selectors.touchpoint_trend(touchpoint) == [-1, 1, 1]
    assert selectors.previous_review_ratings(journey).ratings[touchpoint.pk] == 1
    # The touchpoints are as the last review left them: the curve compares with the one before.
    now = {tp.pk: tp.rating_current for tp in journey.touchpoints.all()}
    before = selectors.previous_review_ratings(journey, now)
    assert before.ratings[touchpoint.pk] == -1
    assert before.held_on == TODAY - timedelta(days=180)


def test_touchpoint_page_shows_the_sparkline_with_a_text_alternative(
    client_for, carol, bob, journey, touchpoint
):
    _completed(bob, journey, {"Check-in desk": -1}, TODAY - timedelta(days=90))
    body = (
        client_for(carol)
        .get(reverse("touchpoint_detail", args=["nordic-air", touchpoint.pk]))
        .content.decode()
    )
    assert 'class="sparkline"' in body
    assert "Check-in desk, ratings: −1, −1" in body


def test_sparkline_renders_nothing_without_values_and_marks_every_value():
    template = Template("{% load touchpoint_tags %}{% sparkline values %}")
    assert template.render(Context({"values": []})).strip() == ""
    html = template.render(Context({"values": [-2, 0, 2]}))
    assert 'aria-label="ratings: −2, 0, +2"' in html
    assert "style=" not in html and "<script" not in html
    assert html.count("<circle") == 3


def test_the_board_shows_the_previous_review_curve_and_table_column(
    client_for, bob, journey, touchpoint
):
    _completed(bob, journey, {"Check-in desk": -2}, TODAY - timedelta(days=90))
    body = client_for(bob).get(reverse("journey_board", args=["nordic-air", journey.pk]))
    html = body.content.decode()
    assert 'class="curve__previous"' in html and "Previous review (10 Dec 2025)" in html
    assert body.context["board"].curve.points[1].previous == -2


def test_the_curve_has_no_previous_line_before_any_review():
    tp = TouchpointFactory.build(rating_current=0, rating_target=2)
    tp.pk = None
    curve = emotion_curve([tp])
    assert not curve.has_previous and curve.previous_polyline == ""


def test_the_board_shows_next_review_overdue_and_start_link(client_for, bob, carol, journey):
    journey.next_review_on = TODAY - timedelta(days=1)
    journey.save()
    url = reverse("journey_board", args=["nordic-air", journey.pk])
    html = client_for(bob).get(url).content.decode()
    assert "9 Mar 2026" in html and "overdue" in html
    assert reverse("review_start", args=["nordic-air", journey.pk]) in html
    assert reverse("journey_next_review", args=["nordic-air", journey.pk]) in html
    assert reverse("review_list", args=["nordic-air", journey.pk]) in html
    staff = client_for(carol).get(url).content.decode()
    assert reverse("journey_next_review", args=["nordic-air", journey.pk]) not in staff
    review = services.review_start(actor=bob, journey=journey, held_on=TODAY)
    html = client_for(bob).get(url).content.decode()
    assert "Continue review" in html and str(review.pk) in html


def test_board_query_count_stays_fixed_with_reviews(client_for, bob, nordic):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(bob)
    client.get("/o/nordic-air/")
    counts = []
    for n in (10, 60):
        journey = JourneyFactory(organisation=nordic)
        stage = StageFactory(journey=journey)
        for i in range(n):
            TouchpointFactory(stage=stage, position=i + 1)
        _completed(bob, journey, {}, TODAY - timedelta(days=30))
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("journey_board", args=["nordic-air", journey.pk]))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 15


def test_moving_the_next_review(client_for, bob, journey):
    url = reverse("journey_next_review", args=["nordic-air", journey.pk])
    response = client_for(bob).post(url, {"next_review_on": "2026-04-01"})
    assert response.status_code == 302
    journey.refresh_from_db()
    assert journey.next_review_on == date(2026, 4, 1)


@pytest.mark.parametrize("value", ["2026-03-01", "2031-01-01", "soon"])
def test_moving_the_next_review_to_a_bad_date_changes_nothing(client_for, bob, journey, value):
    journey.next_review_on = date(2026, 5, 1)
    journey.save()
    url = reverse("journey_next_review", args=["nordic-air", journey.pk])
    response = client_for(bob).post(url, {"next_review_on": value})
    assert response.status_code == 200 and 'class="errors"' in response.content.decode()
    journey.refresh_from_db()
    assert journey.next_review_on == date(2026, 5, 1)


@pytest.mark.parametrize("weeks", ["0", "500"])
def test_a_cadence_of_zero_or_500_weeks_is_refused(client_for, bob, journey, weeks):
    url = reverse("journey_edit", args=["nordic-air", journey.pk])
    response = client_for(bob).post(
        url,
        {
            "name": journey.name,
            "review_cadence": "weeks",
            "review_every_weeks": weeks,
            "owner": str(bob.pk),
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="errors"' in body and f'value="{weeks}"' in body
    journey.refresh_from_db()
    assert journey.review_cadence == "quarterly" and journey.review_every_weeks is None


def test_review_list_shows_the_journeys_reviews(client_for, carol, bob, journey):
    _completed(bob, journey, {}, TODAY - timedelta(days=3))
    html = client_for(carol).get(reverse("review_list", args=["nordic-air", journey.pk]))
    assert "7 Mar 2026" in html.content.decode()
    assert not Action.objects.exists()
