"""Each of the four events, triggered through the real services, reaches a real local HTTP
server: signed, with the headers and the payload a receiver needs."""

from datetime import UTC, date, datetime

import time_machine

from ideas import services as idea_services
from ideas.models import IdeaStatus
from reviews import reminders
from reviews import services as review_services
from reviews.models import Action
from tests.webhooks.conftest import verify
from webhooks.models import DeliveryStatus, WebhookDelivery


def _check_headers(request, event, delivery):
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "motmap-webhooks"
    assert headers["X-Motmap-Event"] == event
    assert headers["X-Motmap-Delivery"] == str(delivery.event_id)
    assert request["path"] == "/hooks/motmap?source=test"


def test_idea_created_is_delivered_signed(
    endpoint, receiver, carol, touchpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        idea, _ = idea_services.idea_submit(
            actor=carol, touchpoint=touchpoint, title="Greet by name", today="No", proposal="Yes"
        )
    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    _check_headers(receiver.requests[0], "idea.created", delivery)
    payload = verify(receiver.requests[0], endpoint.secret)
    assert payload["id"] == str(delivery.event_id)
    assert payload["event"] == "idea.created"
    assert payload["organisation"] == "nordic-air"
    data = payload["data"]["idea"]
    assert data["id"] == str(idea.pk)
    assert data["number"] == idea.number
    assert data["title"] == "Greet by name"
    assert data["status"] == "new"
    assert data["author"] == {"name": carol.display_name}
    assert data["touchpoint"] == {"id": str(touchpoint.pk), "name": "Check-in desk"}
    assert data["journey"]["name"] == "Business trip"
    assert data["url"].endswith(f"/o/nordic-air/ideas/{idea.pk}/")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.last_response_code == 200
    assert delivery.response_excerpt == '{"ok": true}'
    assert delivery.next_attempt_at is None
    assert delivery.delivered_at is not None
    assert delivery.request_headers["X-Motmap-Signature"].startswith("sha256=")


def test_an_anonymous_idea_never_reveals_its_author(
    endpoint, receiver, carol, touchpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        idea_services.idea_submit(
            actor=carol,
            touchpoint=touchpoint,
            title="Quiet idea",
            today="a",
            proposal="b",
            anonymous=True,
        )
    body = receiver.requests[0]["body"].decode()
    payload = verify(receiver.requests[0], endpoint.secret)
    assert payload["data"]["idea"]["author"] is None
    assert "carol" not in body.lower() and "Carol" not in body


def test_idea_status_changed_is_delivered(
    endpoint, receiver, carol, bob, touchpoint, django_capture_on_commit_callbacks
):
    idea, _ = idea_services.idea_submit(
        actor=carol, touchpoint=touchpoint, title="Greet by name", today="No", proposal="Yes"
    )  # not committed in this test's transaction: its delivery is never sent
    with django_capture_on_commit_callbacks(execute=True):
        idea_services.idea_change_status(
            actor=bob, idea=idea, status=IdeaStatus.ACCEPTED, note="Good one"
        )
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    delivery = WebhookDelivery.objects.get(event="idea.status_changed")
    _check_headers(request, "idea.status_changed", delivery)
    data = verify(request, endpoint.secret)["data"]
    assert data["from_status"] == "new"
    assert data["to_status"] == "accepted"
    assert data["note"] == "Good one"
    assert data["changed_by"] == {"name": bob.display_name}
    assert data["idea"]["status"] == "accepted"


def test_review_completed_is_delivered(
    endpoint, receiver, bob, nordic, journey, django_capture_on_commit_callbacks
):
    review = review_services.review_start(
        actor=bob, journey=journey, held_on=review_services.local_today(nordic)
    )
    with django_capture_on_commit_callbacks(execute=True):
        review_services.review_complete(
            actor=bob, review=review, summary="Went well", store_pack=False
        )
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    delivery = WebhookDelivery.objects.get()
    _check_headers(request, "review.completed", delivery)
    data = verify(request, endpoint.secret)["data"]["review"]
    assert data["id"] == str(review.pk)
    assert data["journey"] == {"id": str(journey.pk), "name": "Business trip"}
    assert data["summary"] == "Went well"
    assert data["completed_by"] == {"name": bob.display_name}
    assert data["next_review_on"]
    assert data["url"].endswith(f"/o/nordic-air/reviews/{review.pk}/")


def test_action_overdue_is_delivered_once_when_the_sweep_first_finds_it(
    endpoint, receiver, nordic, journey, carol, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime(2027, 5, 1, tzinfo=UTC), tick=False):
        action = Action.objects.create(
            organisation=nordic,
            journey=journey,
            title="Greet every caller",
            owner=carol,
            due_on=date(2027, 5, 10),
        )
        reminders.reschedule_action(action)
    # On the due date: a reminder, not yet overdue.
    with time_machine.travel(datetime(2027, 5, 10, 6, 0, tzinfo=UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            reminders.send_due_reminders()
    assert receiver.requests == []
    # A week later: overdue, told once; the next weekly reminder does not tell again.
    week_later = datetime(2027, 5, 17, 6, 0, tzinfo=UTC)
    for moment in (week_later, datetime(2027, 5, 24, 6, 0, tzinfo=UTC)):
        with time_machine.travel(moment, tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                reminders.send_due_reminders()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    delivery = WebhookDelivery.objects.get()
    _check_headers(request, "action.overdue", delivery)
    payload = verify(request, endpoint.secret, now=week_later.timestamp())
    data = payload["data"]["action"]
    assert data["id"] == str(action.pk)
    assert data["title"] == "Greet every caller"
    assert data["due_on"] == "2027-05-10"
    assert data["days_overdue"] == 7
    assert data["owner"] == {"name": carol.display_name}
    assert data["journey"]["name"] == "Business trip"


def test_only_subscribed_active_endpoints_of_the_org_get_an_event(
    endpoint, receiver, carol, touchpoint, other_org, mallory, django_capture_on_commit_callbacks
):
    from webhooks.models import WebhookEndpoint

    endpoint.events = ["review.completed"]
    endpoint.save()
    WebhookEndpoint.objects.create(
        organisation=endpoint.organisation, url=receiver.url, events=["idea.created"], active=False
    )
    WebhookEndpoint.objects.create(
        organisation=other_org, url=receiver.url, events=["idea.created"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        idea_services.idea_submit(
            actor=carol, touchpoint=touchpoint, title="Greet by name", today="No", proposal="Yes"
        )
    assert receiver.requests == []
    assert WebhookDelivery.objects.count() == 0


def test_a_rolled_back_change_emits_nothing(endpoint, receiver, carol, touchpoint):
    import pytest
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        idea_services.idea_submit(
            actor=carol, touchpoint=touchpoint, title="Greet by name", today="No", proposal="Yes"
        )
        raise RuntimeError
    assert WebhookDelivery.objects.count() == 0
