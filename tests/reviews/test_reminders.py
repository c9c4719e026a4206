"""The reminder sweep: each reminder exactly once, to the right people, never when no longer true.

Times are travelled with time-machine. Nordic Air is in Europe/Stockholm; reminders go out at
08:00 there.
"""

import io
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from journeys import services as journey_services
from journeys.models import Journey
from motmap.celery import app as celery_app
from motmap.models import Membership, OutboxEmail
from motmap.tasks import flush_outbox
from notifications.models import Frequency, Kind, NotificationSetting, PendingNotice
from reviews import reminders
from reviews.models import Action, ActionStatus, Reminder
from reviews.tasks import deliver_reminders, send_due_reminders
from tests.factories import StageFactory, TouchpointFactory
from tests.threads import at_once

CREATED = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)  # due 5 April, first reminder 22 March
FIRST = datetime(2027, 3, 22, 7, 0, tzinfo=UTC)  # 08:00 in Stockholm (CET)
DUE = datetime(2027, 4, 5, 6, 0, tzinfo=UTC)  # 08:00 in Stockholm (CEST)


def committed():
    """Run the on-commit hand-over to the worker, as a real commit would (tests run in a
    transaction that never commits)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def sweep(**options):
    with committed():
        return reminders.send_due_reminders(**options)


def immediately(user, org, kind=Kind.REMINDERS):
    NotificationSetting.objects.update_or_create(
        membership=Membership.objects.get(user=user, organisation=org),
        kind=kind,
        defaults={"frequency": Frequency.IMMEDIATELY},
    )


def make_journey(org, owner, name="Business trip", touchpoint_owner=None):
    with time_machine.travel(CREATED, tick=False):
        journey = journey_services.journey_create(actor=owner, organisation=org, name=name)
    stage = StageFactory(journey=journey)
    TouchpointFactory(stage=stage, owner=touchpoint_owner)
    return journey


def reminder_emails():
    return [m for m in mail.outbox if "Review" in m.subject]


@pytest.fixture
def trip(nordic, bob, carol):
    immediately(bob, nordic)
    return make_journey(nordic, bob, touchpoint_owner=carol)


def test_a_new_journey_is_due_one_cadence_after_creation_with_its_first_reminder(trip):
    assert trip.next_review_on == date(2027, 4, 5)
    assert trip.next_reminder_at == FIRST


def test_the_sweep_reminds_the_journey_owner_and_touchpoint_owners_once(trip):
    with time_machine.travel(FIRST, tick=False):
        with committed():
            assert send_due_reminders.delay().get() == 1
            send_due_reminders.delay()
            call_command("send_due_reminders", stdout=io.StringIO())
    emails = reminder_emails()
    assert sorted(m.to[0] for m in emails) == [
        "bob@nordic-air.example",
        "carol@nordic-air.example",
    ]
    message = emails[0]
    assert message.subject == "[Nordic Air] Review coming up: Business trip"
    assert "due in 14 days" in message.body
    assert f"/o/nordic-air/journeys/{trip.pk}/" in message.body
    html = message.alternatives[0][0]
    assert "Nordic Air" in html and "/unsubscribe/" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    trip.refresh_from_db()
    assert trip.next_reminder_at == DUE
    assert not Reminder.objects.exists()  # fired and told


def test_due_and_overdue_reminders_follow_weekly(trip):
    for moment in (FIRST, DUE, DUE + timedelta(days=7)):
        with time_machine.travel(moment, tick=False):
            sweep()
    subjects = [m.subject for m in reminder_emails() if m.to == ["bob@nordic-air.example"]]
    assert subjects == [
        "[Nordic Air] Review coming up: Business trip",
        "[Nordic Air] Review due today: Business trip",
        "[Nordic Air] Review overdue: Business trip",
    ]
    assert "overdue by 7 days" in reminder_emails()[-1].body


def test_nothing_is_sent_before_the_time(trip):
    with time_machine.travel(FIRST - timedelta(minutes=1), tick=False):
        assert sweep() == 0
    assert mail.outbox == []


def test_an_archived_journey_gets_no_reminder(trip, bob):
    journey_services.journey_archive(actor=bob, journey=trip)
    with time_machine.travel(DUE + timedelta(days=30), tick=False):
        sweep()
    assert mail.outbox == []


def test_moving_the_review_date_moves_the_reminders(trip, bob):
    with time_machine.travel(datetime(2027, 3, 1, tzinfo=UTC), tick=False):
        journey_services.journey_set_next_review(
            actor=bob, journey=trip, next_review_on=date(2027, 5, 20)
        )
    trip.refresh_from_db()
    assert trip.next_reminder_at == datetime(2027, 5, 6, 6, 0, tzinfo=UTC)
    with time_machine.travel(FIRST, tick=False):
        sweep()
    assert mail.outbox == []


def test_a_changed_cadence_sets_the_next_review_again(trip, bob):
    with time_machine.travel(datetime(2027, 1, 10, tzinfo=UTC), tick=False):
        journey_services.journey_update(
            actor=bob, journey=trip, review_cadence="weeks", review_every_weeks=2
        )
    trip.refresh_from_db()
    assert trip.next_review_on == date(2027, 1, 19)
    assert trip.next_reminder_at == datetime(2027, 1, 19, 7, 0, tzinfo=UTC)


def test_with_no_owner_at_all_the_managers_are_reminded(nordic, alice, bob):
    immediately(alice, nordic)
    immediately(bob, nordic)
    journey = make_journey(nordic, bob)
    Journey.objects.filter(pk=journey.pk).update(owner=None)
    with time_machine.travel(FIRST, tick=False):
        sweep()
    assert sorted(m.to[0] for m in reminder_emails()) == [
        "alice@nordic-air.example",
        "bob@nordic-air.example",
    ]


def test_a_former_member_is_not_reminded(trip, carol, nordic):
    Membership.objects.filter(user=carol, organisation=nordic).delete()
    with time_machine.travel(FIRST, tick=False):
        sweep()
    assert [m.to[0] for m in reminder_emails()] == ["bob@nordic-air.example"]


def test_managers_get_reminders_in_their_weekly_digest_by_default(nordic, bob):
    make_journey(nordic, bob)
    with time_machine.travel(FIRST, tick=False):  # a Monday
        sweep()
    assert mail.outbox == []
    notice = PendingNotice.objects.get()
    assert notice.kind == Kind.REMINDERS and notice.frequency == Frequency.WEEKLY
    assert notice.deliver_after == datetime(2027, 3, 29, 6, 0, tzinfo=UTC)  # next Monday 08:00


def test_someone_who_turned_reminders_off_gets_none(trip, bob, nordic):
    NotificationSetting.objects.filter(membership__user=bob).update(frequency=Frequency.OFF)
    with time_machine.travel(FIRST, tick=False):
        sweep()
    assert [m.to[0] for m in reminder_emails()] == ["carol@nordic-air.example"]


@pytest.fixture
def five_due(nordic, bob):
    """Journeys 0 to 4, due one second apart (so the order of the batches is known)."""
    immediately(bob, nordic)
    journeys = [make_journey(nordic, bob, name=f"Journey {i}") for i in range(5)]
    for i, journey in enumerate(journeys):
        Journey.objects.filter(pk=journey.pk).update(next_reminder_at=FIRST + timedelta(seconds=i))
    return journeys


def test_a_sweep_that_fails_half_way_fires_the_rest_next_time_and_nothing_twice(five_due):
    real = reminders.bulk_set_rows
    calls = []

    def fail_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    with time_machine.travel(FIRST + timedelta(minutes=1), tick=False):
        with mock.patch.object(reminders, "bulk_set_rows", fail_on_the_second_batch):
            with pytest.raises(RuntimeError):
                sweep(batch_size=2)
        assert len(mail.outbox) == 2  # the first batch was committed, told and sent
        assert Journey.objects.filter(next_reminder_at__lte=timezone.now()).count() == 3
        assert sweep(batch_size=2) == 3
        assert sweep(batch_size=2) == 0
    names = sorted(m.subject.rsplit(": ", 1)[1] for m in mail.outbox)
    assert names == [f"Journey {i}" for i in range(5)]


def test_telling_that_fails_half_way_tells_the_rest_next_time_and_nothing_twice(five_due):
    real = reminders._review_notices
    calls = []

    def fail_on_the_third(journey, memberships, now):
        calls.append(journey)
        if len(calls) == 3:  # in the second batch of two
            raise RuntimeError("template exploded")
        return real(journey, memberships, now)

    with time_machine.travel(FIRST + timedelta(minutes=1), tick=False):
        assert reminders.send_due_reminders() == 5  # fired: told once the sweep commits
        assert Reminder.objects.count() == 5 and mail.outbox == []
        with mock.patch.object(reminders, "_review_notices", fail_on_the_third):
            with pytest.raises(RuntimeError), committed():
                reminders.deliver_reminders(batch_size=2)
        assert len(mail.outbox) == 2  # the first batch was committed and sent
        assert Reminder.objects.count() == 3
        with committed():
            assert reminders.deliver_reminders(batch_size=2) == 3
    names = sorted(m.subject.rsplit(": ", 1)[1] for m in mail.outbox)
    assert names == [f"Journey {i}" for i in range(5)]
    assert not Reminder.objects.exists()


def test_when_the_broker_is_down_reminders_wait_and_go_once_it_is_back(trip, broker_away):
    with time_machine.travel(FIRST, tick=False):
        assert sweep() == 1
        assert Reminder.objects.count() == 1 and mail.outbox == []
        celery_app.conf.task_always_eager = True  # the broker is back
        assert sweep() == 0  # already fired and moved on: nothing new
        with committed():
            deliver_reminders.delay()  # the beat's safety net
            deliver_reminders.delay()
        assert not Reminder.objects.exists()
        assert OutboxEmail.objects.count() == 2
        flush_outbox.delay()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "bob@nordic-air.example",
        "carol@nordic-air.example",
    ]


def test_emails_wait_in_the_outbox_while_the_broker_is_down(trip, broker_away):
    with time_machine.travel(FIRST, tick=False):
        sweep()
        with committed():
            reminders.deliver_reminders()
        assert OutboxEmail.objects.filter(sent_at__isnull=True).count() == 2
        assert mail.outbox == []
        celery_app.conf.task_always_eager = True  # the broker is back
        flush_outbox.delay()
        flush_outbox.delay()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "bob@nordic-air.example",
        "carol@nordic-air.example",
    ]


def test_the_sweep_and_the_telling_make_a_fixed_number_of_queries_per_batch(nordic, bob, carol):
    def queries(run):
        with CaptureQueriesContext(connection) as captured:
            run()
        return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]

    trip = make_journey(nordic, bob)
    counts = []
    for n in (10, 40):
        Journey.objects.update(next_reminder_at=None)  # the earlier round's are not due
        for i in range(n):
            make_journey(nordic, bob, name=f"Journey {n}.{i}", touchpoint_owner=carol)
        Action.objects.create(  # overdue by a day: the journey's owner hears of it too
            organisation=nordic,
            journey=trip,
            title=f"Call back {n}",
            owner=carol,
            due_on=date(2027, 3, 21),
            next_reminder_at=FIRST,
        )
        with time_machine.travel(FIRST, tick=False):
            swept = queries(lambda n=n: reminders.send_due_reminders(batch_size=500))
            # Three per kind: the due rows, the UPDATE that claims them, the INSERT.
            assert len(swept) == 6, swept
            assert Reminder.objects.count() == n + 1
            assert OutboxEmail.objects.count() == 0  # nothing is written for people yet
            told = queries(lambda: reminders.deliver_reminders(batch_size=500))
        assert not Reminder.objects.exists()
        # bob, weekly digest by default: each journey and the overdue action of his journey;
        # carol at once: each journey and her action.
        assert PendingNotice.objects.count() == n + 1
        assert OutboxEmail.objects.count() == n + 1
        counts.append(len(told))
        PendingNotice.objects.all().delete()
        OutboxEmail.objects.all().delete()
    assert counts[0] == counts[1], counts


def test_action_reminders_go_on_the_due_date_the_day_after_then_weekly(journey, nordic, carol):
    with time_machine.travel(datetime(2027, 5, 1, tzinfo=UTC), tick=False):
        action = Action.objects.create(
            organisation=nordic,
            journey=journey,
            title="Greet every caller by name",
            owner=carol,
            due_on=date(2027, 5, 10),
        )
        reminders.reschedule_action(action)
    assert action.next_reminder_at == datetime(2027, 5, 10, 6, 0, tzinfo=UTC)
    for moment in (
        datetime(2027, 5, 10, 6, 0, tzinfo=UTC),
        datetime(2027, 5, 11, 6, 0, tzinfo=UTC),
        datetime(2027, 5, 17, 6, 0, tzinfo=UTC),  # nothing: the next one is on the 18th
    ):
        with time_machine.travel(moment, tick=False):
            sweep()
            sweep()
    assert [m.subject for m in mail.outbox] == [
        "[Nordic Air] Action due today: Greet every caller by name",
        "[Nordic Air] Action overdue: Greet every caller by name",
    ]
    with time_machine.travel(datetime(2027, 5, 18, 6, 0, tzinfo=UTC), tick=False):
        sweep()
    assert len(mail.outbox) == 3
    assert f"/o/nordic-air/reviews/#action-{action.pk}" in mail.outbox[0].body
    Action.objects.filter(pk=action.pk).update(status=ActionStatus.DONE)
    with time_machine.travel(datetime(2027, 5, 25, 6, 0, tzinfo=UTC), tick=False):
        sweep()
    assert len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_send_each_reminder_once(nordic, bob, carol):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between concurrent sweeps: needs PostgreSQL (CI runs it)")
    immediately(bob, nordic)
    for i in range(40):
        make_journey(nordic, bob, name=f"Journey {i}", touchpoint_owner=carol)

    def run():
        with time_machine.travel(FIRST, tick=False):
            reminders.send_due_reminders(batch_size=7)

    assert at_once(run, run, run, run) == []
    assert OutboxEmail.objects.count() == 80  # 40 journeys x (bob, carol), each once
    pairs = set(OutboxEmail.objects.values_list("to", "subject"))
    assert len(pairs) == 80


def test_an_overdue_action_is_also_reported_to_the_journey_owner(journey, nordic, bob, carol):
    immediately(bob, nordic)
    with time_machine.travel(datetime(2027, 5, 1, tzinfo=UTC), tick=False):
        action = Action.objects.create(
            organisation=nordic,
            journey=journey,
            title="Fix the queue",
            owner=carol,
            due_on=date(2027, 5, 10),
        )
        reminders.reschedule_action(action)
    for moment in (
        datetime(2027, 5, 10, 6, 0, tzinfo=UTC),
        datetime(2027, 5, 17, 6, 0, tzinfo=UTC),
    ):
        with time_machine.travel(moment, tick=False):
            sweep()
    assert [(m.to[0], m.subject) for m in mail.outbox] == [
        ("carol@nordic-air.example", "[Nordic Air] Action due today: Fix the queue"),
        ("carol@nordic-air.example", "[Nordic Air] Action overdue: Fix the queue"),
        ("bob@nordic-air.example", "[Nordic Air] Action overdue: Fix the queue"),
    ]


def test_a_journey_reviewed_before_its_reminder_gets_none_until_the_next_cycle(trip, bob):
    from reviews import services as review_services

    with time_machine.travel(datetime(2027, 3, 20, 10, 0, tzinfo=UTC), tick=False):
        review = review_services.review_start(actor=bob, journey=trip, held_on=date(2027, 3, 20))
        with committed():
            review_services.review_complete(actor=bob, review=review)
    trip.refresh_from_db()
    assert trip.next_review_on == date(2027, 6, 20)
    for moment in (FIRST, DUE, DUE + timedelta(days=7)):
        with time_machine.travel(moment, tick=False):
            sweep()
    assert reminder_emails() == []
    assert trip.next_reminder_at == datetime(2027, 6, 6, 6, 0, tzinfo=UTC)


def test_a_reminder_no_longer_true_when_it_is_told_is_dropped(nordic, bob, carol):
    """Between the sweep that fires and the worker that tells (seconds, or longer while the
    broker is away), the journey may be archived or reviewed, the action done or re-dated."""
    archived, moved, kept = (
        make_journey(nordic, bob, name=name, touchpoint_owner=carol)
        for name in ("Archived", "Moved", "Kept")
    )
    done, redated, _open = (
        Action.objects.create(
            organisation=nordic,
            journey=kept,
            title=title,
            owner=carol,
            due_on=FIRST.date(),
            next_reminder_at=FIRST,
        )
        for title in ("Done meanwhile", "Re-dated meanwhile", "Still open")
    )
    with time_machine.travel(FIRST, tick=False):
        assert reminders.send_due_reminders() == 6
        journey_services.journey_archive(actor=bob, journey=archived)
        journey_services.journey_set_next_review(
            actor=bob, journey=moved, next_review_on=date(2027, 5, 20)
        )
        Action.objects.filter(pk=done.pk).update(status=ActionStatus.DONE)
        Action.objects.filter(pk=redated.pk).update(due_on=date(2027, 4, 1))
    # Told a day late: still "due in 14 days" and "due today", as when they fired.
    with time_machine.travel(FIRST + timedelta(days=1), tick=False), committed():
        assert reminders.deliver_reminders() == 2
    assert not Reminder.objects.exists()
    assert sorted(m.subject for m in mail.outbox if m.to == ["carol@nordic-air.example"]) == [
        "[Nordic Air] Action due today: Still open",
        "[Nordic Air] Review coming up: Kept",
    ]
    assert "due in 14 days" in next(m.body for m in mail.outbox if "Kept" in m.subject)
