"""A whole year of a quarterly journey, swept every hour: exactly the expected reminders, on
the expected dates, at 08:00 in the organisation's time zone (Europe/Oslo), across both DST
changes, with reviews held late, a moved date and an archive."""

from datetime import UTC, date, datetime, time, timedelta

import time_machine
from django.test import TestCase

from journeys import services as journey_services
from motmap.models import OutboxEmail
from notifications.models import Frequency, Kind, NotificationSetting
from reviews import reminders
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


def hold_review(actor, journey, held_on):
    from reviews.services import review_complete, review_start

    review = review_start(actor=actor, journey=journey, held_on=held_on, attendees=[actor])
    review_complete(actor=actor, review=review)


def test_a_year_of_a_quarterly_journey(db):
    org = OrganisationFactory(name="Fjord Ferries", slug="fjord-ferries", time_zone="Europe/Oslo")
    owner = UserFactory(email="owner@fjord.example")
    membership = MembershipFactory(organisation=org, user=owner, role="manager")
    NotificationSetting.objects.create(
        membership=membership, kind=Kind.REMINDERS, frequency=Frequency.IMMEDIATELY
    )
    start = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        journey = journey_services.journey_create(
            actor=owner, organisation=org, name="Crossing to Kiel"
        )
    assert journey.next_review_on == date(2027, 4, 5)

    events = {
        # held two days late: next due 7 July
        datetime(2027, 4, 7, 12, 0, tzinfo=UTC): lambda: hold_review(
            owner, journey, date(2027, 4, 7)
        ),
        # held three weeks late: next due 1 November (after summer time ends on 31 October)
        datetime(2027, 8, 1, 12, 0, tzinfo=UTC): lambda: hold_review(
            owner, journey, date(2027, 8, 1)
        ),
        # archived while overdue: no reminder after this
        datetime(2027, 12, 10, 12, 0, tzinfo=UTC): lambda: journey_services.journey_archive(
            actor=owner, journey=journey
        ),
    }
    end = datetime(2028, 1, 5, tzinfo=UTC)
    moment = start
    with time_machine.travel(start, tick=False) as clock:
        while moment < end:
            # A sweep every day at noon, an hour before the journey's next reminder and at it,
            # and at each event: a reminder at any wrong hour would go out at a later sweep,
            # with a wrong time; one due early, at the sweep an hour before.
            journey.refresh_from_db()
            due = journey.next_reminder_at
            coming = [when for when in events if when > moment]
            coming += [due - timedelta(hours=1), due] if due else []
            noon = datetime.combine(moment.date(), time(12), tzinfo=UTC)
            noon += timedelta(days=1) if noon <= moment else timedelta()
            moment = min([at for at in coming if at > moment] + [noon, end])
            clock.move_to(moment)
            for when in [when for when in events if when <= moment]:
                with TestCase.captureOnCommitCallbacks(execute=True):
                    events.pop(when)()
                journey.refresh_from_db()
            reminders.send_due_reminders()
            reminders.deliver_reminders()
    assert events == {}

    sent = [
        (email.created_at, email.subject)
        for email in OutboxEmail.objects.filter(to="owner@fjord.example").order_by("created_at")
    ]
    coming, today, overdue = (
        "[Fjord Ferries] Review coming up: Crossing to Kiel",
        "[Fjord Ferries] Review due today: Crossing to Kiel",
        "[Fjord Ferries] Review overdue: Crossing to Kiel",
    )
    cet, cest = 7, 6  # 08:00 in Oslo, in UTC, in winter and in summer
    assert sent == [
        (datetime(2027, 3, 22, cet, tzinfo=UTC), coming),  # 14 days before 5 April
        (datetime(2027, 4, 5, cest, tzinfo=UTC), today),  # summer time since 28 March
        (datetime(2027, 6, 23, cest, tzinfo=UTC), coming),  # 14 days before 7 July
        (datetime(2027, 7, 7, cest, tzinfo=UTC), today),
        (datetime(2027, 7, 14, cest, tzinfo=UTC), overdue),
        (datetime(2027, 7, 21, cest, tzinfo=UTC), overdue),
        (datetime(2027, 7, 28, cest, tzinfo=UTC), overdue),
        (datetime(2027, 10, 18, cest, tzinfo=UTC), coming),  # 14 days before 1 November
        (datetime(2027, 11, 1, cet, tzinfo=UTC), today),  # winter time since 31 October
        (datetime(2027, 11, 8, cet, tzinfo=UTC), overdue),
        (datetime(2027, 11, 15, cet, tzinfo=UTC), overdue),
        (datetime(2027, 11, 22, cet, tzinfo=UTC), overdue),
        (datetime(2027, 11, 29, cet, tzinfo=UTC), overdue),
        (datetime(2027, 12, 6, cet, tzinfo=UTC), overdue),
    ]
