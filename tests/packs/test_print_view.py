"""The print view of a journey's review pack: what it holds, bad input, queries that stay fixed."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ideas.models import IdeaStatus
from reviews.models import Action, Review, ReviewRating
from tests.factories import IdeaFactory, JourneyFactory, StageFactory, TouchpointFactory


def pack_url(journey, suffix="pack/"):
    return f"/o/{journey.organisation.slug}/journeys/{journey.pk}/{suffix}"


def complete_review(journey, *, ratings, when, attendees=(), held_on=None):
    review = Review.objects.create(
        organisation=journey.organisation,
        journey=journey,
        held_on=held_on or when.date(),
        status="completed",
        completed_at=when,
    )
    for position, tp in enumerate(journey.touchpoints.order_by("stage__position", "position")):
        if tp.name in ratings:
            ReviewRating.objects.create(
                review=review,
                touchpoint=tp,
                position=position,
                touchpoint_name=tp.name,
                stage_name=tp.stage.name,
                rating=ratings[tp.name],
                target_rating=tp.rating_target,
            )
    review.attendees.set(attendees)
    return review


def test_print_view_holds_every_touchpoint_in_customer_order(client_for, carol, journey):
    response = client_for(carol).get(pack_url(journey))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1") == 1
    assert '<html lang="en"' in page
    sections = page.split('class="pack-stage"', 1)[1]  # after the summary's priorities
    assert (
        sections.index("Phone booking")
        < sections.index("Check-in desk")
        < sections.index("Boarding gate")
    )
    for heading in ("Summary", "Actions", "Notes", "Where improving gains most"):
        assert heading in page
    assert "Nordic Air" in page
    # ratings as words and symbols, not colour alone
    assert "Disappoints" in page and "▼" in page


def test_summary_shows_moves_since_the_last_review_and_idea_counts(client_for, bob, carol, journey):
    phone = journey.touchpoints.get(name="Phone booking")  # now -1
    gate = journey.touchpoints.get(name="Boarding gate")  # now +1
    review = complete_review(
        journey,
        ratings={"Phone booking": 0, "Boarding gate": 0, "Check-in desk": 0},
        when=timezone.now() - timedelta(days=30),
        attendees=[bob, carol],
    )
    IdeaFactory(
        touchpoint=gate,
        author=carol,
        title="Name at the gate",
        status=IdeaStatus.IMPLEMENTED,
        implemented_at=timezone.now() - timedelta(days=3),
    )
    IdeaFactory(
        touchpoint=gate,
        author=None,
        title="Quiet boarding",
        status=IdeaStatus.IMPLEMENTED,
        implemented_at=timezone.now() - timedelta(days=2),
    )
    IdeaFactory(
        touchpoint=gate,
        author=carol,
        title="Too old to count",
        status=IdeaStatus.IMPLEMENTED,
        implemented_at=timezone.now() - timedelta(days=90),
    )
    IdeaFactory(touchpoint=phone, title="Call back", status=IdeaStatus.NEW, vote_count=7)
    IdeaFactory(touchpoint=phone, title="Accepted one", status=IdeaStatus.ACCEPTED)
    Action.objects.create(
        organisation=journey.organisation,
        journey=journey,
        review=review,
        touchpoint=phone,
        title="Train the phone team",
        owner=bob,
        due_on=date.today() + timedelta(days=10),
    )
    response = client_for(carol).get(pack_url(journey))
    pack = response.context["packs"][0]
    assert [m.touchpoint.name for m in pack.moved_up] == ["Boarding gate"]
    assert [m.touchpoint.name for m in pack.moved_down] == ["Phone booking"]
    assert (pack.implemented_count, pack.accepted_count, pack.waiting_count) == (2, 1, 1)
    page = response.content.decode()
    assert "proposed by Carol Carlsson" in page
    assert "Quiet boarding" in page and "anonymous" in page
    assert "Too old to count" not in page
    assert "Call back" in page and "7 votes" in page
    assert page.count("Train the phone team") == 2  # on its touchpoint and on the actions page
    assert "dotted line" in page  # the previous review's curve is drawn


def test_a_quarter_can_be_chosen_and_a_quarter_without_reviews_says_none_yet(
    client_for, carol, journey
):
    response = client_for(carol).get(pack_url(journey), {"quarter": "2020-Q2"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Q2 2020" in page
    assert "None yet: no review was completed before this period." in page
    assert "no reviews yet" in page


@pytest.mark.parametrize(
    "query,message",
    [
        ({"paper": "A3"}, "Paper must be A4 or letter."),
        ({"quarter": "2027-Q5"}, "A quarter is written like 2027-Q1"),
        ({"quarter": "9999-Q1"}, "That quarter has not started yet."),
        ({"quarter": "1999-Q1"}, "from the year 2000 on"),
        ({"review": "not-a-uuid"}, "not a review"),
        ({"review": "00000000-0000-0000-0000-000000000000"}, "no review with that id"),
    ],
)
def test_bad_options_get_a_clear_message(client_for, carol, journey, query, message):
    for suffix in ("pack/", "pack.pdf"):
        response = client_for(carol).get(pack_url(journey, suffix), query)
        assert response.status_code == 400
        assert message in response.content.decode()


def test_another_orgs_journey_is_404(client_for, mallory, journey, mallory_journey, carol):
    assert client_for(mallory).get(pack_url(journey)).status_code == 404
    assert client_for(mallory).get(pack_url(journey, "pack.pdf")).status_code == 404
    assert client_for(carol).get(pack_url(mallory_journey)).status_code == 404


def test_a_journey_without_touchpoints_gets_a_one_page_pack_that_says_so(client_for, carol, nordic):
    empty = JourneyFactory(organisation=nordic, name="Empty journey")
    page = client_for(carol).get(pack_url(empty)).content.decode()
    assert "This journey has no touchpoints yet" in page
    assert "Summary" not in page and "Notes" not in page


def test_user_text_with_markup_emoji_and_rtl_is_text(client_for, carol, journey):
    tp = journey.touchpoints.get(name="Check-in desk")
    tp.name = '<script>alert("x")</script> 💺 מחלקה'
    tp.desired_outcome = '<img src="file:///etc/passwd"> ' + "word " * 5000
    tp.save()
    page = client_for(carol).get(pack_url(journey)).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 💺 מחלקה" in page
    assert '<img src="file' not in page


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_touchpoints_ideas_or_reviews(client_for, carol, nordic):
    counts = []
    for n in (3, 30):
        journey = JourneyFactory(organisation=nordic, name=f"Size {n}")
        stages = [StageFactory(journey=journey, position=i) for i in range(1, 4)]
        tps = [TouchpointFactory(stage=stages[i % 3], position=i) for i in range(n)]
        for tp in tps:
            IdeaFactory(touchpoint=tp, author=carol, status=IdeaStatus.NEW)
            IdeaFactory(touchpoint=tp, status=IdeaStatus.IMPLEMENTED, implemented_at=timezone.now())
            Action.objects.create(
                organisation=nordic,
                journey=journey,
                touchpoint=tp,
                title="Do it",
                owner=carol,
                due_on=date.today(),
            )
        for days in (100, 50):
            complete_review(
                journey,
                ratings={tp.name: -1 for tp in tps},
                when=timezone.now() - timedelta(days=days),
                attendees=[carol],
            )
        counts.append(_queries(client_for(carol), pack_url(journey)))
    assert counts[0] == counts[1], counts


def test_two_hundred_touchpoints_print(client_for, carol, nordic):
    journey = JourneyFactory(organisation=nordic, name="Huge")
    stage = StageFactory(journey=journey, position=1)
    TouchpointFactory.create_batch(200, stage=stage)
    page = client_for(carol).get(pack_url(journey)).content.decode()
    assert len(re.findall(r'class="pack-tp"', page)) == 200


def test_the_pack_of_a_review_shows_its_attendees_and_its_ratings(client_for, bob, carol, journey):
    earlier = complete_review(
        journey, ratings={"Check-in desk": -2}, when=timezone.now() - timedelta(days=120)
    )
    review = complete_review(
        journey,
        ratings={"Check-in desk": 2},
        when=timezone.now() - timedelta(days=20),
        attendees=[bob, carol],
    )
    response = client_for(carol).get(pack_url(journey), {"review": str(review.pk)})
    assert response.status_code == 200
    pack = response.context["packs"][0]
    assert pack.review == review and pack.baseline == earlier
    desk = next(tp for tp in pack.touchpoints if tp.name == "Check-in desk")
    assert desk.rating_current == 2  # as rated in that review, not today's 0
    assert [m.touchpoint.name for m in pack.moved_up] == ["Check-in desk"]
    page = response.content.decode()
    assert "Review pack of the meeting" in page
    assert "Bob Berg" in page and "Carol Carlsson" in page


def test_the_pack_printed_for_a_review_in_progress_shows_who_attends(
    client_for, bob, carol, journey
):
    review = Review.objects.create(
        organisation=journey.organisation, journey=journey, held_on=date.today()
    )
    review.attendees.set([bob])
    response = client_for(carol).get(pack_url(journey), {"review": str(review.pk)})
    assert response.status_code == 200
    assert "Bob Berg" in response.content.decode()
    assert response.context["packs"][0].period.start is None  # no review completed before
