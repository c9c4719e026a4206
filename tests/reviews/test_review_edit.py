"""Fixing a review started by mistake: correct its date and attendees, or cancel it."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reviews import selectors, services
from reviews.models import Action, Review, ReviewRating
from touchpoints.models import Touchpoint

NOW = "2026-03-10 10:00:00+01:00"
TODAY = date(2026, 3, 10)
COMPLETED = "A completed review is a record; it cannot be changed."


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def review(bob, journey):
    return services.review_start(
        actor=bob, journey=journey, held_on=TODAY, attendees=[bob], guests="Anna"
    )


def url(review, name):
    return reverse(name, args=[review.organisation.slug, review.pk])


def state(review):
    review = Review.objects.get(pk=review.pk)
    return review.held_on, sorted(u.email for u in review.attendees.all()), review.guests


def update(review, actor, **kw):
    kw.setdefault("held_on", TODAY - timedelta(days=1))
    kw.setdefault("attendees", [])
    kw.setdefault("guests", "")
    return services.review_update(actor=actor, review=review, **kw)


# --- editing: the service -----------------------------------------------------------------------


def test_update_changes_date_attendees_and_guests(review, bob, carol):
    update(review, bob, held_on=TODAY - timedelta(days=3), attendees=[carol], guests=" Ben ")
    assert state(review) == (TODAY - timedelta(days=3), ["carol@nordic-air.example"], "Ben")
    assert review.ratings.count() == 3  # the meeting itself is untouched


def test_update_with_a_foreign_attendee_changes_nothing(review, bob, mallory):
    before = state(review)
    with pytest.raises(ValidationError) as exc:
        update(review, bob, attendees=[bob, mallory], guests="Someone else")
    assert "members of this organisation" in str(exc.value.message_dict["attendees"])
    assert state(review) == before


@pytest.mark.parametrize("days", [367, -367])
def test_update_to_a_date_more_than_a_year_away_changes_nothing(review, bob, days):
    before = state(review)
    with pytest.raises(ValidationError) as exc:
        update(review, bob, held_on=TODAY + timedelta(days=days))
    assert "within a year" in str(exc.value.message_dict["held_on"])
    assert state(review) == before


def test_update_without_a_date_or_with_long_guests_names_both(review, bob):
    with pytest.raises(ValidationError) as exc:
        update(review, bob, held_on=None, guests="x" * (services.GUESTS_MAX + 1))
    assert set(exc.value.message_dict) == {"held_on", "guests"}


def test_a_completed_review_cannot_be_edited(review, bob, carol):
    services.review_complete(actor=bob, review=review, store_pack=False)
    before = state(review)
    with pytest.raises(ValidationError, match=COMPLETED):
        update(review, bob, attendees=[carol])
    assert state(review) == before


def test_staff_cannot_edit_a_review(review, carol):
    before = state(review)
    with pytest.raises(PermissionDenied):
        update(review, carol, attendees=[carol])
    assert state(review) == before


# --- cancelling: the service --------------------------------------------------------------------


def _agree(review, bob, carol, touchpoint=None):
    return services.action_create(
        actor=bob,
        review=review,
        touchpoint=touchpoint,
        title="Greet by name",
        owner=carol,
        due_on=TODAY + timedelta(days=7),
    )


def test_cancel_deletes_the_review_and_its_ratings_and_keeps_its_actions(
    review, bob, carol, journey, touchpoint, nordic
):
    row = review.ratings.get(touchpoint=touchpoint)
    services.review_rating_save(actor=bob, rating_row=row, rating=2, note="Better")
    action = _agree(review, bob, carol, touchpoint)
    reminder = Action.objects.get(pk=action.pk).next_reminder_at

    assert services.review_cancel(actor=bob, review=review) == 1

    assert not Review.objects.exists() and not ReviewRating.objects.exists()
    kept = Action.objects.get(pk=action.pk)
    assert kept.review is None and kept.journey == journey and kept.touchpoint == touchpoint
    assert kept.is_open and kept.next_reminder_at == reminder
    dashboard = selectors.dashboard(nordic, TODAY)
    assert kept in dashboard.open_actions and not dashboard.open_reviews
    touchpoint.refresh_from_db()
    assert touchpoint.rating_current == 0  # the meeting's rating was never applied


def test_a_new_review_can_start_after_a_cancelled_one(review, bob, journey):
    services.review_cancel(actor=bob, review=review)
    again = services.review_start(actor=bob, journey=journey, held_on=TODAY)
    assert again.ratings.count() == 3


def test_a_completed_review_can_never_be_cancelled(review, bob, carol):
    _agree(review, bob, carol)
    services.review_complete(actor=bob, review=review, store_pack=False)
    with pytest.raises(ValidationError, match=COMPLETED):
        services.review_cancel(actor=bob, review=review)
    assert Review.objects.filter(pk=review.pk).exists()
    assert review.ratings.count() == 3 and Action.objects.get().review_id == review.pk


def test_staff_cannot_cancel_a_review(review, carol):
    with pytest.raises(PermissionDenied):
        services.review_cancel(actor=carol, review=review)
    assert Review.objects.filter(pk=review.pk).exists()


def test_writes_to_a_review_cancelled_meanwhile_are_refused(review, bob, carol, touchpoint):
    row = review.ratings.get(touchpoint=touchpoint)
    services.review_cancel(actor=bob, review=review)
    with pytest.raises(ValidationError, match="cancelled"):
        services.review_rating_save(actor=bob, rating_row=row, rating=1, note="")
    with pytest.raises(ValidationError, match="cancelled"):
        _agree(review, bob, carol)
    with pytest.raises(ValidationError, match="cancelled"):
        services.review_complete(actor=bob, review=review)
    assert not Action.objects.exists()
    assert Touchpoint.objects.get(pk=touchpoint.pk).rating_current == 0


# --- pages --------------------------------------------------------------------------------------


def test_review_page_links_to_edit_and_cancel_for_editors_only(client_for, review, bob, carol):
    body = client_for(bob).get(url(review, "review_detail")).content.decode()
    assert url(review, "review_edit") in body and url(review, "review_cancel") in body
    body = client_for(carol).get(url(review, "review_detail")).content.decode()
    assert url(review, "review_edit") not in body and url(review, "review_cancel") not in body
    services.review_complete(actor=bob, review=review, store_pack=False)
    body = client_for(bob).get(url(review, "review_detail")).content.decode()
    assert url(review, "review_edit") not in body and url(review, "review_cancel") not in body


def test_edit_form_shows_the_review_and_saves(client_for, review, bob, carol):
    client = client_for(bob)
    body = client.get(url(review, "review_edit")).content.decode()
    assert 'value="2026-03-10"' in body and "Anna" in body and "Carol Carlsson" in body
    assert body.count("<h1") == 1 and 'for="id_held_on"' in body
    response = client.post(
        url(review, "review_edit"),
        {"held_on": "2026-03-09", "attendees": [str(carol.pk)], "guests": "Ben"},
    )
    assert response.status_code == 302 and response["Location"] == url(review, "review_detail")
    assert state(review) == (date(2026, 3, 9), ["carol@nordic-air.example"], "Ben")


@pytest.mark.parametrize(
    "data,message",
    [
        ({"held_on": "2026-03-09", "attendees": ["FOREIGN"]}, "must be members of this organ"),
        ({"held_on": "2028-03-09"}, "Choose a date within a year of today."),
        ({"held_on": "next tuesday"}, "Enter a valid date."),
        ({"held_on": "", "attendees": ["not-a-uuid\x00"]}, "This field is required."),
    ],
    ids=["foreign-attendee", "far-date", "garbage-date", "garbage"],
)
def test_bad_edits_give_a_clear_message_keep_the_text_and_change_nothing(
    client_for, review, bob, mallory, data, message
):
    data = {k: [str(mallory.pk)] if v == ["FOREIGN"] else v for k, v in data.items()}
    before = state(review)
    response = client_for(bob).post(url(review, "review_edit"), data | {"guests": "My guests"})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and "My guests" in body
    assert state(review) == before


def test_edit_and_cancel_of_a_completed_review_are_refused(client_for, review, bob, carol):
    services.review_complete(actor=bob, review=review, store_pack=False)
    before = state(review)
    client = client_for(bob)
    for name in ("review_edit", "review_cancel"):
        response = client.post(url(review, name), {"held_on": "2026-03-09"}, follow=True)
        assert COMPLETED in response.content.decode()
    assert state(review) == before


def test_cancel_asks_then_cancels_and_lands_on_the_board(client_for, review, bob, carol, journey):
    action = _agree(review, bob, carol)
    client = client_for(bob)
    confirm = client.get(url(review, "review_cancel"))
    body = confirm.content.decode()
    assert confirm.status_code == 200 and "Yes, cancel the review" in body
    assert "Greet by name" in body and "kept" in body and body.count("<h1") == 1
    assert Review.objects.filter(pk=review.pk).exists()
    response = client.post(url(review, "review_cancel"))
    assert response["Location"] == reverse("journey_board", args=["nordic-air", journey.pk])
    assert not Review.objects.exists()
    assert Action.objects.get(pk=action.pk).review is None
    page = client.get(response["Location"]).content.decode()
    assert "Review cancelled. The action agreed in it is kept." in page
    dashboard = client.get(reverse("review_dashboard", args=["nordic-air"])).content.decode()
    assert "Greet by name" in dashboard


def test_staff_get_403_and_nothing_changes(client_for, review, carol):
    client = client_for(carol)
    before = state(review)
    for name in ("review_edit", "review_cancel"):
        assert client.get(url(review, name)).status_code == 403
        assert client.post(url(review, name), {"held_on": "2026-03-01"}).status_code == 403
    assert state(review) == before


def test_another_org_gets_404_and_nothing_changes(client_for, review, mallory):
    client = client_for(mallory)
    before = state(review)
    for name in ("review_edit", "review_cancel"):
        for slug in ("nordic-air", "mallory-mart"):
            address = reverse(name, args=[slug, review.pk])
            assert client.get(address).status_code == 404
            assert client.post(address, {"held_on": "2026-03-01"}).status_code == 404
    assert state(review) == before


def test_cancelling_a_review_someone_else_cancelled_meanwhile_says_so(
    client_for, review, bob, journey, monkeypatch
):
    def cancelled_meanwhile(**kwargs):
        raise ValidationError("This review was cancelled; nothing was saved.")

    monkeypatch.setattr(services, "review_cancel", cancelled_meanwhile)
    response = client_for(bob).post(url(review, "review_cancel"), follow=True)
    assert response.status_code == 200
    assert "This review was cancelled; nothing was saved." in response.content.decode()
