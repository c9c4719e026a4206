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
from tests.htmlform import form_fields
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


def page_form(client, review):
    """What the browser would send from the review page as it is now."""
    response = client.get(review_url(review))
    assert response.status_code == 200
    return form_fields(response.content, "meeting")


def test_staff_see_the_review_read_only_and_cannot_write(client_for, bob, carol, journey):
    review = start(bob, journey)
    row = review.ratings.first()
    data = page_form(client_for(bob), review)
    client = client_for(carol)
    body = client.get(review_url(review)).content.decode()
    assert 'name="r1-rating"' not in body and "Add an action" not in body
    assert "Complete review" not in body and 'id="meeting"' not in body
    data[f"r{row.position}-rating"] = "2"
    assert client.post(review_url(review, "review_save"), data).status_code == 403
    response = client.post(review_url(review, "review_rating_save", row.pk), data)
    assert response.status_code == 403
    assert client.post(review_url(review, "review_complete")).status_code == 403
    row.refresh_from_db()
    assert row.rating is None


def test_saving_one_card_keeps_what_was_typed_on_another(client_for, bob, journey):
    """Found from outside: a rating and a note on card 2, then Save on card 3, lost card 2."""
    review = start(bob, journey)
    client = client_for(bob)
    data = page_form(client, review)
    data |= {"r2-rating": "1", "r2-note": "Queue shorter since May", "r3-note": "Gate calm"}
    response = client.post(review_url(review, "review_save"), data | {"at": "3"})
    assert response.status_code == 302 and response["Location"].endswith("#tp-3")
    rows = {row.position: row for row in review.ratings.all()}
    assert (rows[2].rating, rows[2].note) == (1, "Queue shorter since May")
    assert (rows[3].rating, rows[3].note) == (None, "Gate calm")
    assert rows[1].note == "" and rows[1].rating is None
    page = client.get(response["Location"]).content.decode()
    assert "2 moments saved." in page and "<strong>1 of 3</strong> re-rated" in page


def test_complete_review_saves_every_card_first(client_for, bob, journey):
    review = start(bob, journey)
    client = client_for(bob)
    data = page_form(client, review) | {"r1-rating": "2", "r1-note": "New IVR"}
    response = client.post(review_url(review, "review_save"), data | {"complete": "1"})
    assert response.status_code == 302
    assert response["Location"] == review_url(review, "review_complete")
    row = review.ratings.get(position=1)
    assert (row.rating, row.note) == (2, "New IVR")


def test_an_untouched_card_is_not_written_back_over_a_newer_text(
    client_for, bob, alice, journey, touchpoint
):
    review = start(bob, journey)
    client = client_for(bob)
    data = page_form(client, review)  # the page as read before alice's edit
    touchpoint_update(
        actor=alice, touchpoint=touchpoint, version=touchpoint.version, desired_outcome="Alice's"
    )
    response = client.post(review_url(review, "review_save"), data | {"r1-rating": "1"})
    assert response.status_code == 302
    touchpoint.refresh_from_db()
    assert touchpoint.desired_outcome == "Alice's"
    assert review.ratings.get(position=1).rating == 1


def test_a_bad_value_on_one_card_saves_nothing_and_keeps_every_card(client_for, bob, journey):
    review = start(bob, journey)
    client = client_for(bob)
    data = page_form(client, review)
    data |= {"r1-note": "My careful note", "r2-rating": "7", "r3-desired_outcome": "Calm gate"}
    response = client.post(review_url(review, "review_save"), data | {"at": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was saved yet" in body and 'href="#tp-2"' in body
    assert "Choose a rating from −2 (depresses) to +2 (wows)" in body
    assert "My careful note" in body and "Calm gate" in body
    assert [row.note for row in review.ratings.all()] == ["", "", ""]
    assert not journey.touchpoints.filter(desired_outcome="Calm gate").exists()


def test_a_conflict_saves_nothing_says_who_and_a_second_save_keeps_the_text(
    client_for, bob, alice, journey, touchpoint
):
    review = start(bob, journey)
    client = client_for(bob)
    data = page_form(client, review)
    touchpoint_update(
        actor=alice, touchpoint=touchpoint, version=touchpoint.version, desired_outcome="Alice's"
    )
    data |= {"r2-desired_outcome": "Bob's text", "r1-rating": "1"}
    response = client.post(review_url(review, "review_save"), data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Alice Andersson saved “Check-in desk” at 10 Mar 2026 10:00" in body
    assert "Alice&#x27;s" in body and "Bob&#x27;s text" in body
    touchpoint.refresh_from_db()
    assert touchpoint.desired_outcome == "Alice's"
    assert review.ratings.get(position=1).rating is None  # all or nothing
    again = form_fields(response.content, "meeting")
    assert again["r2-desired_outcome"] == "Bob's text" and again["r1-rating"] == "1"
    assert client.post(review_url(review, "review_save"), again).status_code == 302
    touchpoint.refresh_from_db()
    assert touchpoint.desired_outcome == "Bob's text"
    assert review.ratings.get(position=1).rating == 1


def test_an_action_typed_on_a_card_is_agreed_by_any_save(client_for, bob, journey):
    review = start(bob, journey)
    client = client_for(bob)
    data = page_form(client, review)
    typed = {"a2-title": "Second desk at peaks", "a2-owner": str(bob.pk)}
    due = (TODAY + timedelta(days=7)).isoformat()
    response = client.post(review_url(review, "review_save"), data | typed | {"at": "3"})
    assert response.status_code == 200  # no date: refused, kept, nothing saved
    assert "Second desk at peaks" in response.content.decode()
    assert not review.actions.exists()
    data = form_fields(response.content, "meeting") | {"a2-due_on": "2020-01-01"}
    response = client.post(review_url(review, "review_save"), data | {"r3-note": "Calm"})
    assert response.status_code == 200
    assert "The due date cannot be in the past." in response.content.decode()
    assert not review.actions.exists() and review.ratings.get(position=3).note == ""
    data = form_fields(response.content, "meeting") | {"a2-due_on": due}
    assert client.post(review_url(review, "review_save"), data).status_code == 302
    action = review.actions.get()
    assert (action.title, action.owner, action.touchpoint.name) == (
        "Second desk at peaks",
        bob,
        "Check-in desk",
    )
    assert review.ratings.get(position=3).note == "Calm"


def test_ideas_decided_in_the_meeting_are_part_of_its_record(client_for, bob, journey, touchpoint):
    kept = IdeaFactory(touchpoint=touchpoint, title="Greet by name")
    dropped = IdeaFactory(touchpoint=touchpoint, title="Free lounge for all")
    copy = IdeaFactory(touchpoint=touchpoint, title="Say the name")
    review = start(bob, journey)
    client = client_for(bob)
    data = page_form(client, review)
    d = {
        f"i{kept.number}-status": "accepted",
        f"i{dropped.number}-status": "declined",
        f"i{copy.number}-status": "duplicate",
        f"i{copy.number}-duplicate_of": str(kept.number),
    }
    response = client.post(review_url(review, "review_save"), data | d)
    assert response.status_code == 200
    assert "Say why the idea is declined" in response.content.decode()
    kept.refresh_from_db()
    assert kept.status == IdeaStatus.NEW
    data = form_fields(response.content, "meeting")
    data[f"i{dropped.number}-note"] = "Costs more than it brings"
    response = client.post(review_url(review, "review_save"), data)
    assert response.status_code == 302
    for idea, status in ((kept, "accepted"), (dropped, "declined"), (copy, "duplicate")):
        idea.refresh_from_db()
        assert idea.status == status
    services.review_complete(actor=bob, review=review)
    body = client.get(review_url(review)).content.decode()
    section = body[body.index('id="tp-2"') : body.index('id="tp-3"')]
    assert "Ideas decided in this review" in section
    assert f"#{kept.number} Greet by name" in section and "Accepted" in section
    assert "Costs more than it brings" in section
    assert f"duplicate of #{kept.number}" in section


def test_a_reason_without_a_decision_is_refused(client_for, bob, journey, touchpoint):
    idea = IdeaFactory(touchpoint=touchpoint)
    review = start(bob, journey)
    client = client_for(bob)
    data = page_form(client, review) | {f"i{idea.number}-note": "Let us try it"}
    response = client.post(review_url(review, "review_save"), data)
    assert response.status_code == 200
    assert "Choose a decision for the reason typed" in response.content.decode()
    assert "Let us try it" in response.content.decode()


def hx(client, review, row, data):
    return client.post(
        review_url(review, "review_rating_save", row.pk), data, headers={"HX-Request": "true"}
    )


def test_a_card_saves_itself_and_only_itself(client_for, bob, journey):
    review = start(bob, journey)
    client = client_for(bob)
    data = page_form(client, review)
    data |= {"r2-rating": "1", "r2-desired_outcome": "A smile", "r3-note": "typed, not yet sent"}
    card = review.ratings.get(position=2)
    response = hx(client, review, card, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Saved at 10:00" in body
    version = int(data["r2-version"]) + 1
    assert f'name="r2-version" value="{version}"' in body and 'hx-swap-oob="true"' in body
    assert 'name="initial-r2-desired_outcome" value="A smile"' in body
    assert "<strong>1 of 3</strong>" in body
    card.refresh_from_db()
    assert card.rating == 1 and card.touchpoint.desired_outcome == "A smile"
    assert review.ratings.get(position=3).note == ""
    # Sent again unchanged (the page now holds the stored values): nothing more is written.
    again = data | {"r2-version": str(version), "initial-r2-rating": "1"}
    again["initial-r2-desired_outcome"] = "A smile"
    assert hx(client, review, card, again).status_code == 200
    card.touchpoint.refresh_from_db()
    assert card.touchpoint.version == version


def test_a_card_that_meets_a_conflict_says_so_and_takes_the_new_version(
    client_for, bob, alice, journey, touchpoint
):
    review = start(bob, journey)
    client = client_for(bob)
    data = page_form(client, review) | {"r2-desired_outcome": "Bob's text"}
    touchpoint_update(
        actor=alice, touchpoint=touchpoint, version=touchpoint.version, desired_outcome="Alice's"
    )
    card = review.ratings.get(position=2)
    response = hx(client, review, card, data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Not saved: someone else changed this moment" in body
    assert "Alice Andersson saved" in body
    touchpoint.refresh_from_db()
    assert f'name="r2-version" value="{touchpoint.version}"' in body
    assert touchpoint.desired_outcome == "Alice's"


def test_a_card_with_a_bad_value_says_why(client_for, bob, journey):
    review = start(bob, journey)
    client = client_for(bob)
    data = page_form(client, review) | {"r2-rating": "7"}
    response = hx(client, review, review.ratings.get(position=2), data)
    assert response.status_code == 400
    assert "Not saved: Choose a rating from −2" in response.content.decode()


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
    client = client_for(bob)
    data = page_form(client, review) | {"r2-rating": "2", "r2-note": "late"}
    services.review_complete(actor=bob, review=review)
    row = review.ratings.get(touchpoint=touchpoint)
    response = client.post(review_url(review, "review_save"), data, follow=True)
    assert "A completed review is a record" in response.content.decode()
    assert hx(client, review, row, data).status_code == 400
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
    client = client_for(bob)
    data = page_form(client, review) | {"r2-note": "Desk closed"}
    row = review.ratings.get(touchpoint=touchpoint)
    touchpoint.delete()
    response = client.post(review_url(review, "review_save"), data)
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.note == "Desk closed" and row.touchpoint is None
    body = client.get(review_url(review)).content.decode()
    assert "Check-in desk" in body and "deleted since" in body


@pytest.mark.parametrize(
    "junk",
    [
        {"r2-rating": "x"},
        {"r2-version": "abc", "r2-desired_outcome": "changed"},
        {"a2-owner": "999999", "a2-title": "T", "a2-due_on": "2026-04-01"},
        {"a2-touchpoint": "not-a-touchpoint", "a2-title": "T"},
        {"a2-due_on": "31/31/2026", "a2-title": "T"},
        {"i1-status": "implemented"},
        {"i1-status": "duplicate", "i1-duplicate_of": "-4"},
        {"i1-status": "duplicate", "i1-duplicate_of": "99999"},
        {"r2-note": "x" * 6000},
    ],
)
def test_hostile_input_gets_a_message_and_changes_nothing(
    client_for, bob, journey, touchpoint, junk
):
    IdeaFactory(touchpoint=touchpoint, number=1)
    review = start(bob, journey)
    client = client_for(bob)
    data = page_form(client, review) | {"r1-note": "kept"} | junk
    response = client.post(review_url(review, "review_save"), data)
    assert response.status_code == 200, response.status_code
    assert "Nothing was saved yet" in response.content.decode()
    assert "kept" in response.content.decode()
    assert review.ratings.get(position=1).note == ""
    assert not review.actions.exists()
    row = review.ratings.get(position=2)
    assert hx(client, review, row, data).status_code in (200, 400)
    row.refresh_from_db()
    assert row.rating is None
