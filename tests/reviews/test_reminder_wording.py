"""What a reminder says and where it links: counts in proper plurals, dates the app's way
("10 May 2027"), and an action's reminder pointing at that action on the dashboard."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from journeys import services as journey_services
from motmap.models import Membership
from notifications.models import Frequency, Kind, NotificationSetting, PendingNotice
from notifications.services import send_due_digests
from reviews import reminders
from reviews.models import Action
from tests.factories import StageFactory, TouchpointFactory

DUE_ON = date(2027, 5, 10)
ON_THE_DAY = datetime(2027, 5, 10, 6, 0, tzinfo=UTC)  # 08:00 in Stockholm (CEST)
DAY_AFTER = datetime(2027, 5, 11, 6, 0, tzinfo=UTC)
WEEK_AFTER = datetime(2027, 5, 18, 6, 0, tzinfo=UTC)


def sweep():
    with TestCase.captureOnCommitCallbacks(execute=True):
        return reminders.send_due_reminders()


def setting(user, org, frequency):
    NotificationSetting.objects.update_or_create(
        membership=Membership.objects.get(user=user, organisation=org),
        kind=Kind.REMINDERS,
        defaults={"frequency": frequency},
    )


@pytest.fixture
def action(journey, nordic, carol):
    setting(carol, nordic, Frequency.IMMEDIATELY)
    with time_machine.travel(datetime(2027, 5, 1, tzinfo=UTC), tick=False):
        action = Action.objects.create(
            organisation=nordic,
            journey=journey,
            title="Greet every caller by name",
            owner=carol,
            due_on=DUE_ON,
        )
        reminders.reschedule_action(action)
    return action


def test_an_action_one_day_overdue_says_one_day_and_the_date_the_apps_way(action):
    for moment in (ON_THE_DAY, DAY_AFTER, WEEK_AFTER):
        with time_machine.travel(moment, tick=False):
            sweep()
    due_today, one_day, eight_days = (m for m in mail.outbox if m.to == [action.owner.email])
    assert "Action overdue by 1 day: “Greet every caller by name”" in one_day.body
    assert "due 10 May 2027" in one_day.body
    assert "overdue by 8 days" in eight_days.body
    for message in (due_today, one_day, eight_days):
        html = message.alternatives[0][0]
        for part in (message.body, html):
            assert "1 days" not in part
            assert "10 May 2027" in part  # the "Due:" line
            assert "May 10" not in part and "2027-05-10" not in part


def test_an_action_reminder_links_to_the_action_on_the_dashboard(action, client_for):
    with time_machine.travel(ON_THE_DAY, tick=False):
        sweep()
    anchor = reverse("review_dashboard", args=["nordic-air"]) + f"#action-{action.pk}"
    message = mail.outbox[0]
    assert anchor in message.body
    assert f'{anchor}" style=' in message.alternatives[0][0]  # the HTML part's button
    assert "See the action" in message.body


@pytest.mark.parametrize("persona", ["alice", "bob", "carol"])
def test_every_role_finds_the_action_row_by_its_anchor(action, persona, personas, client_for):
    page = client_for(personas[persona]).get(reverse("review_dashboard", args=["nordic-air"]))
    assert f'id="action-{action.pk}"' in page.content.decode()


def test_a_digested_action_reminder_links_to_the_action(action, nordic, carol):
    setting(carol, nordic, Frequency.DAILY)
    with time_machine.travel(DAY_AFTER, tick=False):
        sweep()
    notice = PendingNotice.objects.get(membership__user=carol)
    assert notice.url.endswith(f"#action-{action.pk}")
    assert "overdue by 1 day:" in notice.text and "10 May 2027" in notice.text
    with time_machine.travel(datetime(2027, 5, 12, 6, 0, tzinfo=UTC), tick=False):
        with TestCase.captureOnCommitCallbacks(execute=True):
            send_due_digests()
    (digest,) = (m for m in mail.outbox if m.to == [carol.email])
    assert f"#action-{action.pk}" in digest.body and "1 days" not in digest.body


@pytest.fixture
def trip(nordic, bob):
    with time_machine.travel(datetime(2027, 1, 5, 9, 0, tzinfo=UTC), tick=False):
        journey = journey_services.journey_create(
            actor=bob, organisation=nordic, name="Business trip"
        )
    TouchpointFactory(stage=StageFactory(journey=journey))
    return journey  # its review is due on 5 April 2027


@pytest.mark.parametrize(
    ("now", "says"),
    [
        (datetime(2027, 4, 4, 6, 0, tzinfo=UTC), "is due in 1 day, on 5 Apr 2027."),
        (datetime(2027, 3, 22, 7, 0, tzinfo=UTC), "is due in 14 days, on 5 Apr 2027."),
        (datetime(2027, 4, 5, 6, 0, tzinfo=UTC), "is due today, 5 Apr 2027."),
        (datetime(2027, 4, 6, 6, 0, tzinfo=UTC), "is overdue by 1 day (due 5 Apr 2027)."),
        (datetime(2027, 4, 12, 6, 0, tzinfo=UTC), "is overdue by 7 days (due 5 Apr 2027)."),
    ],
)
def test_a_review_reminder_counts_days_in_proper_plurals(trip, nordic, bob, now, says):
    assert trip.next_review_on == date(2027, 4, 5)
    membership = Membership.objects.get(user=bob, organisation=nordic)
    (notice,) = reminders._review_notices(trip, [membership], now)
    assert notice.text == f"The review of “Business trip” {says}"


def test_a_review_reminder_email_writes_the_due_date_the_apps_way(trip, nordic, bob):
    setting(bob, nordic, Frequency.IMMEDIATELY)
    with time_machine.travel(datetime(2027, 3, 22, 7, 0, tzinfo=UTC), tick=False):
        sweep()
    message = mail.outbox[0]
    assert "Review due: 5 Apr 2027" in message.body
    assert "Review due: 5 Apr 2027" in message.alternatives[0][0]
    assert "April 5" not in message.body and "Apr. 5" not in message.body
