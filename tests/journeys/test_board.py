import pytest

from pages.selectors import journey_board
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory
from touchpoints.selectors import emotion_curve, priorities


def test_board_shows_stages_as_columns_and_cards_in_customer_order(client_for, carol, journey):
    response = client_for(carol).get(f"/o/nordic-air/journeys/{journey.pk}/")
    board = response.context["board"]
    assert [s.name for s in board.stages] == ["Booking", "Airport"]
    assert [tp.name for tp in board.touchpoints] == [
        "Phone booking",
        "Check-in desk",
        "Boarding gate",
    ]
    assert [tp.number for tp in board.touchpoints] == [1, 2, 3]
    page = response.content.decode()
    assert page.index("Phone booking") < page.index("Check-in desk") < page.index("Boarding gate")
    assert "The customer is greeted by name." in page  # the desired outcome's first line
    assert "Then helped at once." not in page.split('id="board"')[1]  # only the first line


def test_board_figures(journey):
    board = journey_board(journey)
    assert board.moments_per_day == 1200 + 5000 + 4000
    assert board.seconds_per_customer == 240 + 90 + 20


def test_priorities_are_volume_times_gap_largest_first(journey):
    board = journey_board(journey)
    # check-in 5000 x 2 = 10000; phone 1200 x 3 = 3600; gate 4000 x 1 = 4000
    assert [(tp.name, tp.priority) for tp in board.priorities] == [
        ("Check-in desk", 10000),
        ("Boarding gate", 4000),
        ("Phone booking", 3600),
    ]


def test_priorities_keep_the_top_five_and_skip_moments_at_target(db):
    stage = StageFactory()
    tps = [
        TouchpointFactory(
            stage=stage, contacts_per_day=100 * (i + 1), rating_current=0, rating_target=1
        )
        for i in range(7)
    ]
    TouchpointFactory(stage=stage, contacts_per_day=10**6, rating_current=2, rating_target=2)
    top = priorities(journey_board(stage.journey).touchpoints)
    assert [row.touchpoint for row in top] == list(reversed(tps))[:5]
    assert not any(row.by_customers for row in top)


def test_emotion_curve_points_follow_ratings(journey):
    curve = journey_board(journey).curve
    ys_now = [p.y_current for p in curve.points]
    # Phone booking -1, Check-in 0, Gate +1: higher rating = higher on the page (smaller y)
    assert ys_now[0] > ys_now[1] > ys_now[2]
    assert all(p.y_target == curve.levels[-1]["y"] for p in curve.points)  # all target +2
    assert curve.current_polyline.count(",") == 3
    assert [lvl["label"] for lvl in curve.levels][0] == "Depresses"


def test_emotion_curve_is_inline_svg_readable_without_colour(client_for, carol, journey):
    page = client_for(carol).get(f"/o/nordic-air/journeys/{journey.pk}/").content.decode()
    svg = page[page.index('<svg class="curve__svg"') : page.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "curve__now" in svg and "curve__target" in svg
    assert svg.count("<circle") == 3 and svg.count("<rect") == 3  # round now, square target
    for word in ("Depresses", "Disappoints", "Neutral", "Pleases", "Wows"):
        assert word in svg
    assert "Show the curve as a table" in page


def test_empty_journey_board(client_for, bob, nordic):
    j = JourneyFactory(organisation=nordic, name="Empty")
    page = client_for(bob).get(f"/o/nordic-air/journeys/{j.pk}/").content.decode()
    assert "This journey has no stages yet." in page
    assert emotion_curve([]).points == []


def _big_journey(org, n):
    journey = JourneyFactory(organisation=org)
    stages = [StageFactory(journey=journey, position=i + 1) for i in range(5)]
    for i in range(n):
        TouchpointFactory(stage=stages[i % 5], position=i + 1)
    return journey


@pytest.mark.parametrize("n", [10, 60])
def test_board_query_count_does_not_grow(client_for, bob, nordic, n, django_assert_max_num_queries):
    journey = _big_journey(nordic, n)
    client = client_for(bob)
    with django_assert_max_num_queries(17):  # 15, and customers' answers of the period: 2
        response = client.get(f"/o/nordic-air/journeys/{journey.pk}/")
    assert len(response.context["board"].touchpoints) == n


def test_board_queries_are_the_same_for_10_and_60(client_for, bob, nordic):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(bob)
    client.get("/o/nordic-air/")  # the first visit remembers the organisation in the session
    counts = []
    for n in (10, 60):
        journey = _big_journey(nordic, n)
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"/o/nordic-air/journeys/{journey.pk}/")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_organisation_home_query_count_does_not_grow(
    client_for, bob, nordic, django_assert_max_num_queries
):
    for _ in range(8):
        _big_journey(nordic, 5)
    client = client_for(bob)
    with django_assert_max_num_queries(10):
        response = client.get("/o/nordic-air/")
    assert len(response.context["journeys"]) == 8
