"""Alerts that close the loop: the touchpoint's owner told through their notification
settings (immediately by default) and a `feedback.alert` webhook, once per rule until the
answers recover; a storm of bad answers gives one alert, not hundreds."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from feedback.services import (
    feedback_open,
    feedback_update,
    response_add_details,
    response_record,
)
from motmap.models import OutboxEmail
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint


@pytest.fixture
def point(nordic, bob, carol):
    stage = StageFactory(journey=JourneyFactory(organisation=nordic, name="Business trip"))
    touchpoint = TouchpointFactory(stage=stage, name="Check-in desk", owner=carol)
    WebhookEndpoint.objects.create(
        organisation=nordic, url="https://hooks.example.com/motmap", events=["feedback.alert"]
    )
    return feedback_open(actor=bob, touchpoint=touchpoint)


class Clock:
    def __init__(self):
        self.at = timezone.now() - timedelta(days=1)

    def tick(self):
        self.at += timedelta(seconds=30)
        return self.at


def tap(point, face, clock, comment=""):
    return response_record(
        point=point,
        submission_id=uuid.uuid4(),
        face=face,
        comment=comment,
        respondent=uuid.uuid4().hex,
        now=clock.tick(),
    )[0]


def alerts(rule=None):
    deliveries = WebhookDelivery.objects.filter(event="feedback.alert")
    return [d for d in deliveries if rule is None or d.payload["data"]["rule"] == rule]


def alert_emails():
    return OutboxEmail.objects.filter(subject__contains="Customers' alert")


def test_a_storm_of_bad_answers_alerts_once_and_again_only_after_recovering(point, carol):
    clock = Clock()
    for _ in range(9):
        tap(point, 2, clock)
    assert not alerts()
    for _ in range(300):  # the storm
        tap(point, -2, clock)
    assert len(alerts("share")) == 1
    assert alert_emails().count() == 1 and alert_emails().get().to == carol.email
    data = alerts("share")[0].payload["data"]
    assert data["touchpoint"]["name"] == "Check-in desk"
    assert data["answers"] == 10 and data["bottom_two"] >= 4 and data["threshold"] == 0.4
    for _ in range(10):  # good again, but the last hour is still mostly bad: no recovery
        tap(point, 1, clock)
    for _ in range(10):
        tap(point, -1, clock)
    assert len(alerts("share")) == 1
    clock.at += timedelta(hours=1)
    for _ in range(10):  # recovered over a full window, and the hour with it
        tap(point, 1, clock)
    assert len(alerts("share")) == 1
    for _ in range(10):
        tap(point, -1, clock)
    assert len(alerts("share")) == 2  # a new episode, a new alert


def test_the_last_hour_alerts_before_the_window_is_full(point):
    """A moment just opened, or a quiet one: the last hour decides as well as the last ten
    answers once it holds five answers (fewer never alert on their own)."""
    clock = Clock()
    for face in (-2, -2, -1, -2):
        tap(point, face, clock)
    assert not alerts()  # four answers: too few for the hour, the window not full
    tap(point, 2, clock)
    [alert] = alerts("share")
    assert (alert.payload["data"]["answers"], alert.payload["data"]["bottom_two"]) == (5, 4)


def test_answers_more_than_an_hour_apart_never_fill_the_hour(point):
    clock = Clock()
    for _ in range(6):
        clock.at += timedelta(minutes=20)
        tap(point, -2, clock)
    assert not alerts("share")  # at most three in any hour, and no full window of ten


def test_a_very_bad_comment_alerts_once_until_the_answers_recover(point):
    clock = Clock()
    tap(point, -2, clock, comment="Nobody at the desk for twenty minutes.")
    tap(point, -2, clock, comment="Still nobody.")
    assert len(alerts("comment")) == 1
    assert alerts("comment")[0].payload["data"]["comment"] == (
        "Nobody at the desk for twenty minutes."
    )
    assert "Nobody at the desk" in alert_emails().get().body_text


def test_a_comment_added_after_the_tap_alerts_too(point):
    clock = Clock()
    answer = tap(point, -2, clock)
    assert not alerts()
    response_add_details(point=point, submission_id=answer.submission_id, comment="Rude.")
    assert len(alerts("comment")) == 1


def test_repeats_never_alert_and_thresholds_are_the_managers(point, bob):
    feedback_update(actor=bob, point=point, alert_answers=3, alert_share_percent=100)
    clock = Clock()
    same = "one person"
    for _ in range(5):
        response_record(
            point=point, submission_id=uuid.uuid4(), face=-2, respondent=same, now=clock.tick()
        )
    assert not alerts()  # one counted answer, four repeats
    tap(point, -1, clock)
    tap(point, -2, clock)
    assert len(alerts("share")) == 1  # three of three


def test_without_an_owner_the_journey_owner_is_told(point, alice):
    touchpoint = point.touchpoint
    touchpoint.owner = None
    touchpoint.save()
    journey = touchpoint.journey
    journey.owner = alice
    journey.save()
    clock = Clock()
    tap(point, -2, clock, comment="Terrible.")
    assert alert_emails().get().to == alice.email


@pytest.mark.parametrize("fields", [{"alert_answers": 1}, {"alert_share_percent": 0}])
def test_bad_alert_settings_are_refused(point, bob, fields):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        feedback_update(actor=bob, point=point, **fields)
    assert mail.outbox == []
