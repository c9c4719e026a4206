"""motmap.bulk.set_rows and insert_from: the statements the reminder sweep is made of."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import DateTimeField, Q, Value
from django.test.utils import CaptureQueriesContext

from journeys.models import Journey
from motmap.bulk import insert_from, set_rows
from reviews.models import Reminder
from tests.factories import JourneyFactory

NOW = datetime(2027, 3, 22, 7, 0, tzinfo=UTC)


@pytest.fixture
def journeys(nordic):
    return [
        JourneyFactory(organisation=nordic, name=f"J{i}", next_reminder_at=NOW - timedelta(hours=1))
        for i in range(3)
    ]


def test_set_rows_writes_each_value_and_returns_the_keys_written(journeys):
    later = [NOW + timedelta(days=i) for i in range(3)]
    written = set_rows(
        Journey, ["next_reminder_at"], [(j.pk, at) for j, at in zip(journeys, later, strict=True)]
    )
    assert sorted(written) == sorted(j.pk for j in journeys)
    for journey, at in zip(journeys, later, strict=True):
        journey.refresh_from_db()
        assert journey.next_reminder_at == at


def test_set_rows_leaves_the_rows_that_no_longer_match_where(journeys):
    first, second, third = journeys
    Journey.objects.filter(pk=second.pk).update(next_reminder_at=NOW + timedelta(days=9))
    Journey.objects.filter(pk=third.pk).update(archived_at=NOW)
    still_due = Q(next_reminder_at__lte=NOW, archived_at__isnull=True)
    later = NOW + timedelta(days=7)
    written = set_rows(
        Journey, ["next_reminder_at"], [(j.pk, later) for j in journeys], where=still_due
    )
    assert written == [first.pk]
    assert set_rows(Journey, ["next_reminder_at"], [(first.pk, later)], where=still_due) == []
    second.refresh_from_db()
    assert second.next_reminder_at == NOW + timedelta(days=9)


def test_set_rows_splits_where_the_database_caps_parameters(nordic):
    many = Journey.objects.bulk_create(
        Journey(organisation=nordic, name=f"Many {i}", next_reminder_at=NOW) for i in range(1200)
    )
    rows = [(j.pk, NOW + timedelta(minutes=i)) for i, j in enumerate(many)]
    with CaptureQueriesContext(connection) as captured:
        written = set_rows(Journey, ["next_reminder_at"], rows, where=Q(next_reminder_at=NOW))
    assert len(written) == 1200
    statements = [q for q in captured.captured_queries if "UPDATE" in q["sql"]]
    assert len(statements) == (1 if connection.vendor == "postgresql" else 3)
    assert Journey.objects.get(pk=many[1199].pk).next_reminder_at == NOW + timedelta(minutes=1199)


def test_set_rows_refuses_a_where_that_reaches_another_table(journeys):
    with pytest.raises(ValueError, match="reaches beyond"):
        set_rows(
            Journey,
            ["next_reminder_at"],
            [(journeys[0].pk, NOW)],
            where=Q(organisation__name="Nordic Air"),
        )
    assert set_rows(Journey, ["next_reminder_at"], []) == []


def test_insert_from_copies_the_rows_a_queryset_selects(journeys):
    Journey.objects.filter(pk=journeys[0].pk).update(next_review_on=date(2027, 4, 5))
    Journey.objects.filter(pk=journeys[1].pk).update(next_review_on=date(2027, 4, 6))
    source = Journey.objects.filter(pk__in=[j.pk for j in journeys[:2]]).values_list(
        "pk", "next_review_on", Value(NOW, output_field=DateTimeField())
    )
    assert insert_from(Reminder, ["journey", "due_on", "fired_at"], source) == 2
    assert sorted(Reminder.objects.values_list("journey_id", "due_on", "fired_at")) == sorted(
        [
            (journeys[0].pk, date(2027, 4, 5), NOW),
            (journeys[1].pk, date(2027, 4, 6), NOW),
        ]
    )
    nothing = Journey.objects.filter(pk__in=[]).values_list(
        "pk", "next_review_on", Value(NOW, output_field=DateTimeField())
    )
    assert insert_from(Reminder, ["journey", "due_on", "fired_at"], nothing) == 0
