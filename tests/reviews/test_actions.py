"""Actions agreed in a review: what, who, by when; closed by editors or by their owner."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reviews import services
from reviews.models import Action, ActionStatus
from tests.factories import TouchpointFactory
from tests.htmlform import form_fields

NOW = "2026-03-10 10:00:00+01:00"
TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def review(bob, journey):
    return services.review_start(actor=bob, journey=journey, held_on=TODAY)


def add(actor, review, **kw):
    kw.setdefault("title", "Name badges for the desk")
    kw.setdefault("due_on", TODAY + timedelta(days=14))
    kw.setdefault("touchpoint", None)
    return services.action_create(actor=actor, review=review, **kw)


def test_action_create_sets_the_reminder(bob, carol, review, touchpoint):
    action = add(bob, review, owner=carol, touchpoint=touchpoint)
    assert action.journey == review.journey and action.organisation == review.organisation
    assert action.created_by == bob and action.status == ActionStatus.OPEN
    # The first reminder: 08:00 on the due date in the org's time zone.
    expected = datetime(2026, 3, 24, 8, tzinfo=ZoneInfo("Europe/Stockholm"))
    assert Action.objects.get().next_reminder_at == expected


def test_an_owner_outside_the_org_is_refused(bob, mallory, review):
    with pytest.raises(ValidationError) as exc:
        add(bob, review, owner=mallory)
    assert "member of this organisation" in str(exc.value.message_dict["owner"])
    assert not Action.objects.exists()


def test_a_due_date_in_the_past_is_refused(bob, review):
    with pytest.raises(ValidationError) as exc:
        add(bob, review, owner=bob, due_on=TODAY - timedelta(days=1))
    assert "past" in str(exc.value.message_dict["due_on"])
    assert not Action.objects.exists()


def test_the_due_date_is_the_orgs_local_date(bob, review):
    # 23:30 UTC on 9 March is already 10 March in Stockholm: 10 March is today, not past.
    with time_machine.travel("2026-03-09 23:30:00+00:00", tick=False):
        add(bob, review, owner=bob, due_on=date(2026, 3, 10))
        with pytest.raises(ValidationError):
            add(bob, review, owner=bob, due_on=date(2026, 3, 9))


@pytest.mark.parametrize("title", ["", "   ", "x" * 301])
def test_a_title_is_required_and_short(bob, review, title):
    with pytest.raises(ValidationError) as exc:
        add(bob, review, owner=bob, title=title)
    assert "title" in exc.value.message_dict
    assert not Action.objects.exists()


def test_a_touchpoint_of_another_journey_is_refused(bob, nordic, review):
    elsewhere = TouchpointFactory(stage__journey__organisation=nordic)
    with pytest.raises(ValidationError) as exc:
        add(bob, review, owner=bob, touchpoint=elsewhere)
    assert "touchpoint" in exc.value.message_dict


def test_a_review_of_another_journey_or_neither_is_refused(bob, nordic, review):
    other = TouchpointFactory(stage__journey__organisation=nordic).journey
    for where, field in (({"journey": other, "review": review}, "review"), ({}, "journey")):
        with pytest.raises(ValidationError) as exc:
            services.action_create(actor=bob, title="Check", owner=bob, due_on=TODAY, **where)
        assert field in exc.value.message_dict
    assert not Action.objects.exists()


def test_staff_cannot_create_actions(carol, review):
    with pytest.raises(PermissionDenied):
        add(carol, review, owner=carol)


def test_action_between_reviews_on_a_journey(bob, journey):
    action = services.action_create(
        actor=bob, journey=journey, title="Check", owner=bob, due_on=TODAY
    )
    assert action.review is None and action.journey == journey


def test_update_changes_and_reschedules(bob, carol, review):
    action = add(bob, review, owner=bob)
    updated = services.action_update(
        actor=bob, action=action, title="Renamed", owner=carol, due_on=TODAY + timedelta(days=30)
    )
    assert (updated.title, updated.owner) == ("Renamed", carol)
    assert Action.objects.get().next_reminder_at.date() == TODAY + timedelta(days=30)


def test_an_overdue_action_can_be_renamed_without_moving_its_date(bob, review):
    action = add(bob, review, owner=bob, due_on=TODAY)
    with time_machine.travel("2026-04-01 10:00:00+02:00", tick=False):
        services.action_update(actor=bob, action=action, title="Renamed", owner=bob, due_on=TODAY)
        with pytest.raises(ValidationError):
            services.action_update(
                actor=bob,
                action=action,
                title="Renamed",
                owner=bob,
                due_on=date(2026, 3, 20),
            )


def test_editors_close_actions_and_the_reminder_stops(bob, review):
    action = add(bob, review, owner=bob)
    closed = services.action_close(actor=bob, action=action, status=ActionStatus.DROPPED)
    assert closed.status == ActionStatus.DROPPED and closed.closed_at is not None
    assert Action.objects.get().next_reminder_at is None
    with pytest.raises(ValidationError, match="already"):
        services.action_close(actor=bob, action=action, status=ActionStatus.DONE)


def test_the_owner_may_mark_their_own_action_done_but_not_drop_it(bob, carol, review):
    action = add(bob, review, owner=carol)
    with pytest.raises(PermissionDenied):
        services.action_close(actor=carol, action=action, status=ActionStatus.DROPPED)
    services.action_close(actor=carol, action=action, status=ActionStatus.DONE)
    assert Action.objects.get().status == ActionStatus.DONE


def test_staff_cannot_close_someone_elses_action(bob, carol, review):
    action = add(bob, review, owner=bob)
    with pytest.raises(PermissionDenied):
        services.action_close(actor=carol, action=action, status=ActionStatus.DONE)
    assert Action.objects.get().is_open


def test_actions_stay_workable_after_the_review_is_completed(bob, review):
    action = add(bob, review, owner=bob)
    services.review_complete(actor=bob, review=review)
    services.action_close(actor=bob, action=action, status=ActionStatus.DONE)
    assert Action.objects.get().status == ActionStatus.DONE


# --- pages --------------------------------------------------------------------------------------


def _post_action(client, review, touchpoint, **typed):
    """The review page as the browser sends it, with an action typed on the moment's card."""
    url = reverse("review_detail", args=["nordic-air", review.pk])
    data = form_fields(client.get(url).content, "meeting")
    position = review.ratings.get(touchpoint=touchpoint).position
    assert data[f"a{position}-touchpoint"] == str(touchpoint.pk)
    data |= {f"a{position}-{name}": value for name, value in typed.items()}
    data["at"] = str(position)
    return client.post(reverse("review_save", args=["nordic-air", review.pk]), data)


def test_add_action_form_from_the_review_returns_to_the_touchpoint(
    client_for, bob, carol, review, touchpoint
):
    row = review.ratings.get(touchpoint=touchpoint)
    response = _post_action(
        client_for(bob),
        review,
        touchpoint,
        title="Badges",
        owner=str(carol.pk),
        due_on="2026-03-20",
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#tp-{row.position}")
    assert Action.objects.get().touchpoint == touchpoint


def test_add_action_with_a_past_date_rerenders_with_the_message(
    client_for, bob, review, touchpoint
):
    response = _post_action(
        client_for(bob),
        review,
        touchpoint,
        title="My typed title",
        owner=str(bob.pk),
        due_on="2026-03-01",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "The due date cannot be in the past." in body and "My typed title" in body
    assert not Action.objects.exists()


def test_add_action_with_an_owner_from_another_org_is_refused(
    client_for, bob, mallory, review, touchpoint
):
    response = _post_action(
        client_for(bob),
        review,
        touchpoint,
        title="Badges",
        owner=str(mallory.pk),
        due_on="2026-03-20",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "The owner must be a member of this organisation." in body
    assert not Action.objects.exists()


def test_action_owner_marks_done_from_the_dashboard(client_for, bob, carol, review):
    action = add(bob, review, owner=carol)
    response = client_for(carol).post(
        reverse("action_close", args=["nordic-air", action.pk]), {"status": "done"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#actions")
    assert Action.objects.get().status == ActionStatus.DONE


def test_staff_get_403_closing_someone_elses_action(client_for, bob, carol, review):
    action = add(bob, review, owner=bob)
    response = client_for(carol).post(
        reverse("action_close", args=["nordic-air", action.pk]), {"status": "done"}
    )
    assert response.status_code == 403
    assert Action.objects.get().is_open


def test_action_edit_page_keeps_the_text_on_error(client_for, bob, review):
    action = add(bob, review, owner=bob)
    url = reverse("action_edit", args=["nordic-air", action.pk])
    response = client_for(bob).post(
        url, {"title": "Kept title", "owner": str(bob.pk), "due_on": "2020-01-01"}
    )
    assert response.status_code == 200
    assert "Kept title" in response.content.decode()
    assert Action.objects.get().title == "Name badges for the desk"


def test_another_orgs_action_is_404(client_for, bob, mallory, review):
    action = add(bob, review, owner=bob)
    client = client_for(mallory)
    for name in ("action_edit", "action_close"):
        assert client.post(reverse(name, args=["mallory-mart", action.pk])).status_code == 404
        assert client.post(reverse(name, args=["nordic-air", action.pk])).status_code == 404
