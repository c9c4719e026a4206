"""The review meeting: start, rate each moment, complete (a frozen record)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ideas.models import IdeaStatus
from journeys.services import journey_archive
from reviews import services
from reviews.models import Review, ReviewRating, ReviewStatus
from tests.factories import IdeaFactory, JourneyFactory, StageFactory, TouchpointFactory
from touchpoints.models import Touchpoint, TouchpointChange
from touchpoints.services import EditConflict, touchpoint_update

NOW = "2026-03-10 10:00:00+01:00"
TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def start(actor, journey, **kw):
    kw.setdefault("held_on", TODAY)
    return services.review_start(actor=actor, journey=journey, **kw)


def review_url(review, name="review_detail", *extra):
    return reverse(name, args=[review.organisation.slug, review.pk, *extra])


# --- starting -----------------------------------------------------------------------------------


def test_start_creates_one_rating_per_touchpoint_in_customer_order(bob, carol, journey):
    review = start(bob, journey, attendees=[bob, carol], guests="Anna from the supplier")
    rows = list(review.ratings.order_by("position"))
    assert [r.touchpoint_name for r in rows] == ["Phone booking", "Check-in desk", "Boarding gate"]
    assert [r.stage_name for r in rows] == ["Booking", "Airport", "Airport"]
    assert [r.previous_rating for r in rows] == [-1, 0, 1]
    assert all(r.target_rating == 2 and r.rating is None for r in rows)
    assert set(review.attendees.all()) == {bob, carol}
    assert review.guests == "Anna from the supplier"
    assert review.started_by == bob and review.status == ReviewStatus.IN_PROGRESS


def test_staff_cannot_start_a_review(carol, journey):
    with pytest.raises(PermissionDenied):
        start(carol, journey)
    assert not Review.objects.exists()


def test_attendees_from_another_org_are_refused_and_nothing_is_saved(bob, mallory, journey):
    with pytest.raises(ValidationError) as exc:
        start(bob, journey, attendees=[bob, mallory])
    assert "members of this organisation" in str(exc.value.message_dict["attendees"])
    assert not Review.objects.exists() and not ReviewRating.objects.exists()


@pytest.mark.parametrize("days", [367, -367])
def test_a_date_more_than_a_year_away_is_refused(bob, journey, days):
    with pytest.raises(ValidationError) as exc:
        start(bob, journey, held_on=TODAY + timedelta(days=days))
    assert "within a year" in str(exc.value.message_dict["held_on"])
    assert not Review.objects.exists()


def test_a_second_open_review_of_the_same_journey_is_refused(bob, alice, journey):
    first = start(bob, journey)
    with pytest.raises(services.ReviewAlreadyOpen) as exc:
        start(alice, journey)
    assert exc.value.review == first
    assert "already open" in exc.value.messages[0]
    assert Review.objects.count() == 1


def test_an_archived_journey_cannot_be_reviewed(bob, journey):
    journey_archive(actor=bob, journey=journey)
    with pytest.raises(ValidationError, match="archived"):
        start(bob, journey)
    assert not Review.objects.exists()


# --- rating -------------------------------------------------------------------------------------


def test_rating_saves_rating_and_note_and_edits_texts_through_the_touchpoint_service(
    bob, journey, touchpoint
):
    review = start(bob, journey)
    row = review.ratings.get(touchpoint=touchpoint)
    services.review_rating_save(
        actor=bob,
        rating_row=row,
        rating=1,
        note="New queue system",
        desired_outcome="Greeted by name within a minute.",
        customer_wants=touchpoint.customer_wants,
        version=touchpoint.version,
    )
    row.refresh_from_db()
    touchpoint.refresh_from_db()
    assert (row.rating, row.note) == (1, "New queue system")
    assert touchpoint.desired_outcome == "Greeted by name within a minute."
    assert touchpoint.version == 2
    assert TouchpointChange.objects.filter(touchpoint=touchpoint, field="desired_outcome").exists()
    assert touchpoint.rating_current == 0  # the rating moves only when the review completes


@pytest.mark.parametrize("bad", [3, -3, 99, "wow", "1.5", True])
def test_ratings_outside_the_scale_are_refused(bob, journey, touchpoint, bad):
    review = start(bob, journey)
    row = review.ratings.get(touchpoint=touchpoint)
    with pytest.raises(ValidationError) as exc:
        services.review_rating_save(
            actor=bob, rating_row=row, rating=bad, note="x", desired_outcome="Changed"
        )
    assert "−2" in str(exc.value.message_dict["rating"])
    row.refresh_from_db()
    touchpoint.refresh_from_db()
    assert row.rating is None and row.note == ""
    assert touchpoint.desired_outcome != "Changed"


def test_an_empty_rating_means_no_new_rating(bob, journey, touchpoint):
    review = start(bob, journey)
    row = review.ratings.get(touchpoint=touchpoint)
    services.review_rating_save(actor=bob, rating_row=row, rating=1, note="")
    services.review_rating_save(actor=bob, rating_row=row, rating="", note="")
    row.refresh_from_db()
    assert row.rating is None


def test_a_stale_text_edit_is_a_conflict_and_changes_nothing(bob, alice, journey, touchpoint):
    review = start(bob, journey)
    row = review.ratings.get(touchpoint=touchpoint)
    touchpoint_update(actor=alice, touchpoint=touchpoint, version=1, desired_outcome="Alice's")
    with pytest.raises(EditConflict):
        services.review_rating_save(
            actor=bob, rating_row=row, rating=2, note="n", desired_outcome="Bob's", version=1
        )
    row.refresh_from_db()
    touchpoint.refresh_from_db()
    assert touchpoint.desired_outcome == "Alice's" and row.rating is None


def test_staff_cannot_rate(bob, carol, journey, touchpoint):
    review = start(bob, journey)
    row = review.ratings.get(touchpoint=touchpoint)
    with pytest.raises(PermissionDenied):
        services.review_rating_save(actor=carol, rating_row=row, rating=1, note="")


# --- completing ---------------------------------------------------------------------------------


def test_completing_snapshots_ratings_moves_touchpoints_and_sets_the_next_date(bob, journey):
    review = start(bob, journey, held_on=TODAY - timedelta(days=2))
    rows = {r.touchpoint_name: r for r in review.ratings.all()}
    services.review_rating_save(actor=bob, rating_row=rows["Phone booking"], rating=1, note="")
    services.review_rating_save(actor=bob, rating_row=rows["Boarding gate"], rating=1, note="")
    phone = Touchpoint.objects.get(name="Phone booking")
    touchpoint_update(actor=bob, touchpoint=phone, version=phone.version, name="Phone sales")

    done = services.review_complete(actor=bob, review=review, summary="Good meeting")

    assert done.status == ReviewStatus.COMPLETED and done.completed_by == bob
    assert done.completed_at is not None and done.summary == "Good meeting"
    final = {r.touchpoint_name: r.rating for r in done.ratings.all()}
    # Given ratings kept; the one not given keeps its previous rating; names copied afresh.
    assert final == {"Phone sales": 1, "Check-in desk": 0, "Boarding gate": 1}
    ratings = dict(Touchpoint.objects.values_list("name", "rating_current"))
    assert ratings == {"Phone sales": 1, "Check-in desk": 0, "Boarding gate": 1}
    changes = TouchpointChange.objects.filter(field="rating_current", actor=bob)
    assert [(c.old_value, c.new_value) for c in changes] == [("-1", "1")]
    journey.refresh_from_db()
    assert journey.next_review_on == date(2026, 6, 8)  # quarterly after the meeting
    assert done.next_review_on == journey.next_review_on
    assert journey.next_reminder_at is not None


def test_completion_bumps_the_version_so_an_edit_begun_before_conflicts(bob, journey):
    review = start(bob, journey)
    phone = Touchpoint.objects.get(name="Phone booking")
    row = review.ratings.get(touchpoint=phone)
    services.review_rating_save(actor=bob, rating_row=row, rating=2, note="")
    services.review_complete(actor=bob, review=review)
    with pytest.raises(EditConflict):
        touchpoint_update(actor=bob, touchpoint=phone, version=phone.version, rating_current=-2)


def test_a_completed_review_refuses_every_write(bob, journey, touchpoint):
    review = start(bob, journey)
    services.review_complete(actor=bob, review=review)
    row = review.ratings.get(touchpoint=touchpoint)
    message = "A completed review is a record; it cannot be changed."
    with pytest.raises(ValidationError, match=message):
        services.review_rating_save(actor=bob, rating_row=row, rating=2, note="late")
    with pytest.raises(ValidationError, match=message):
        services.review_complete(actor=bob, review=review)
    with pytest.raises(ValidationError, match=message):
        services.action_create(
            actor=bob, review=review, title="Late", owner=bob, due_on=TODAY, touchpoint=None
        )
    row.refresh_from_db()
    assert row.rating == 0 and row.note == ""
    assert not review.actions.exists()


def test_a_new_review_can_start_after_the_last_one_completed(bob, journey):
    first = start(bob, journey)
    services.review_complete(actor=bob, review=first)
    second = start(bob, journey)
    assert second.ratings.count() == 3


def test_complete_after_a_touchpoint_was_deleted_keeps_the_record(bob, journey, touchpoint):
    review = start(bob, journey)
    touchpoint.delete()
    services.review_complete(actor=bob, review=review)
    row = review.ratings.get(touchpoint_name="Check-in desk")
    assert row.touchpoint is None and row.rating == 0


# --- pages --------------------------------------------------------------------------------------


def test_start_form_defaults_to_today_and_lists_members(client_for, bob, carol, journey):
    response = client_for(bob).get(reverse("review_start", args=["nordic-air", journey.pk]))
    body = response.content.decode()
    assert 'value="2026-03-10"' in body
    assert "Carol Carlsson" in body and "Bob Berg" in body


def test_start_form_posts_and_lands_on_the_review(client_for, bob, carol, journey):
    url = reverse("review_start", args=["nordic-air", journey.pk])
    response = client_for(bob).post(
        url, {"held_on": "2026-03-10", "attendees": [str(bob.pk), str(carol.pk)], "guests": ""}
    )
    review = Review.objects.get()
    assert response.status_code == 302 and response["Location"] == review_url(review)


def test_start_form_with_a_foreign_attendee_keeps_the_text_and_saves_nothing(
    client_for, bob, mallory, journey
):
    url = reverse("review_start", args=["nordic-air", journey.pk])
    response = client_for(bob).post(
        url, {"held_on": "2026-03-10", "attendees": [str(mallory.pk)], "guests": "Anna"}
    )
    assert response.status_code == 200
    assert "Attendees must be members of this organisation." in response.content.decode()
    assert "Anna" in response.content.decode()
    assert not Review.objects.exists()


def test_start_form_with_an_open_review_links_to_it(client_for, bob, journey):
    review = start(bob, journey)
    url = reverse("review_start", args=["nordic-air", journey.pk])
    response = client_for(bob).post(url, {"held_on": "2026-03-10"})
    body = response.content.decode()
    assert "already open" in body and review_url(review) in body
    assert Review.objects.count() == 1


def test_review_for_another_orgs_journey_is_404(client_for, mallory, journey, bob):
    review = start(bob, journey)
    client = client_for(mallory)
    assert client.get(reverse("review_start", args=["mallory-mart", journey.pk])).status_code == 404
    assert client.get(reverse("review_detail", args=["mallory-mart", review.pk])).status_code == 404
    assert client.get(review_url(review)).status_code == 404


def test_review_page_walks_touchpoints_with_forms_and_waiting_ideas(
    client_for, bob, carol, journey, touchpoint
):
    IdeaFactory(touchpoint=touchpoint, title="Greet by name")
    IdeaFactory(touchpoint=touchpoint, title="Old idea", status=IdeaStatus.DECLINED)
    review = start(bob, journey)
    body = client_for(bob).get(review_url(review)).content.decode()
    assert body.index("Phone booking") < body.index("Check-in desk") < body.index("Boarding gate")
    assert 'id="tp-2"' in body and "Greet by name" in body and "Old idea" not in body
    assert "▲ Pleases (+1)" in body and "▼▼ Depresses (−2)" in body
    assert body.count("<h1") == 1
    assert "Complete review" in body


def test_staff_see_the_review_read_only_and_cannot_write(client_for, bob, carol, journey):
    review = start(bob, journey)
    row = review.ratings.first()
    client = client_for(carol)
    body = client.get(review_url(review)).content.decode()
    assert 'name="rating"' not in body and "Add an action" not in body
    assert "Complete review" not in body
    response = client.post(review_url(review, "review_rating_save", row.pk), {"rating": "2"})
    assert response.status_code == 403
    assert client.post(review_url(review, "review_complete")).status_code == 403
    row.refresh_from_db()
    assert row.rating is None


def test_rating_form_saves_and_returns_to_the_anchor(client_for, bob, journey, touchpoint):
    review = start(bob, journey)
    row = review.ratings.get(touchpoint=touchpoint)
    response = client_for(bob).post(
        review_url(review, "review_rating_save", row.pk),
        {
            "rating": "1",
            "note": "Queue shorter",
            "desired_outcome": touchpoint.desired_outcome,
            "customer_wants": touchpoint.customer_wants,
            "version": touchpoint.version,
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#tp-{row.position}")
    row.refresh_from_db()
    assert (row.rating, row.note) == (1, "Queue shorter")


def test_rating_form_with_a_bad_rating_rerenders_with_the_text_kept(
    client_for, bob, journey, touchpoint
):
    review = start(bob, journey)
    row = review.ratings.get(touchpoint=touchpoint)
    response = client_for(bob).post(
        review_url(review, "review_rating_save", row.pk),
        {"rating": "7", "note": "My careful note", "version": touchpoint.version},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose a rating from −2 (depresses) to +2 (wows)" in body
    assert "My careful note" in body
    row.refresh_from_db()
    assert row.rating is None and row.note == ""


def test_rating_form_conflict_shows_both_texts(client_for, bob, alice, journey, touchpoint):
    review = start(bob, journey)
    row = review.ratings.get(touchpoint=touchpoint)
    touchpoint_update(actor=alice, touchpoint=touchpoint, version=1, desired_outcome="Alice's")
    response = client_for(bob).post(
        review_url(review, "review_rating_save", row.pk),
        {"rating": "1", "desired_outcome": "Bob's text", "customer_wants": "", "version": 1},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Alice&#x27;s" in body and "Bob&#x27;s text" in body
    touchpoint.refresh_from_db()
    assert touchpoint.desired_outcome == "Alice's"


def test_deciding_an_idea_from_the_review_returns_to_the_touchpoint(
    client_for, bob, journey, touchpoint
):
    idea = IdeaFactory(touchpoint=touchpoint)
    review = start(bob, journey)
    row = review.ratings.get(touchpoint=touchpoint)
    response = client_for(bob).post(
        review_url(review, "review_idea_decide", idea.pk), {"status": "accepted", "note": "Yes"}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#tp-{row.position}")
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.ACCEPTED


def test_declining_without_a_reason_rerenders_with_the_message(
    client_for, bob, journey, touchpoint
):
    idea = IdeaFactory(touchpoint=touchpoint)
    review = start(bob, journey)
    response = client_for(bob).post(
        review_url(review, "review_idea_decide", idea.pk), {"status": "declined", "note": ""}
    )
    assert response.status_code == 200
    assert "Say why the idea is declined" in response.content.decode()
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.NEW


def test_complete_asks_for_confirmation_then_renders_a_read_only_record(client_for, bob, journey):
    review = start(bob, journey)
    client = client_for(bob)
    confirm = client.get(review_url(review, "review_complete"))
    assert confirm.status_code == 200 and "Yes, complete the review" in confirm.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.IN_PROGRESS
    response = client.post(review_url(review, "review_complete"), {"summary": "Done well"})
    assert response.status_code == 302
    body = client.get(review_url(review)).content.decode()
    assert "A completed review is a record" in body
    assert 'name="rating"' not in body and "Add an action" not in body
    assert "Done well" in body and 'class="sparkline"' in body


def test_posting_to_a_completed_review_changes_nothing(client_for, bob, journey, touchpoint):
    review = start(bob, journey)
    services.review_complete(actor=bob, review=review)
    row = review.ratings.get(touchpoint=touchpoint)
    response = client_for(bob).post(
        review_url(review, "review_rating_save", row.pk),
        {"rating": "2", "note": "late", "version": touchpoint.version + 1},
    )
    assert "A completed review is a record" in response.content.decode()
    row.refresh_from_db()
    assert row.rating == 0 and row.note == ""


def _journey_with(org, n):
    journey = JourneyFactory(organisation=org)
    stage = StageFactory(journey=journey, position=1)
    for i in range(n):
        tp = TouchpointFactory(stage=stage, position=i + 1)
        IdeaFactory(touchpoint=tp)
    return journey


def _page_queries(client, bob, journey):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    review = start(bob, journey)
    for row in review.ratings.all()[:5]:
        services.action_create(
            actor=bob,
            review=review,
            touchpoint=row.touchpoint,
            title="Do",
            owner=bob,
            due_on=TODAY,
        )
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(review_url(review))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_review_page_query_count_is_fixed(client_for, bob, nordic, django_assert_max_num_queries):
    client = client_for(bob)
    client.get("/o/nordic-air/")
    counts = [_page_queries(client, bob, _journey_with(nordic, n)) for n in (10, 60)]
    assert counts[0] == counts[1]
    assert counts[1] <= 20, counts


def test_a_moment_deleted_during_the_review_can_still_be_noted(
    client_for, bob, journey, touchpoint
):
    review = start(bob, journey)
    row = review.ratings.get(touchpoint=touchpoint)
    touchpoint.delete()
    response = client_for(bob).post(
        review_url(review, "review_rating_save", row.pk), {"rating": "", "note": "Desk closed"}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.note == "Desk closed" and row.touchpoint is None
    body = client_for(bob).get(review_url(review)).content.decode()
    assert "Check-in desk" in body and "deleted since" in body
