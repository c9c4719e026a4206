"""motmap.bulk.set_rows, insert_rows, insert_from, AnyOf and stored_key: the statements the
reminder sweep and the bulk feed are made of."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import DateTimeField, F, Q, Value
from django.test.utils import CaptureQueriesContext

from journeys.models import Journey
from motmap.bulk import AnyOf, RandomUUID, insert_from, insert_rows, set_rows, stored_key
from reviews.models import Reminder
from tests.factories import JourneyFactory, TouchpointFactory
from touchpoints.models import Touchpoint, TouchpointChange

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


def test_set_rows_writes_an_expression_to_every_row(nordic):
    touchpoints = [TouchpointFactory(organisation=nordic) for _ in range(3)]
    before = {tp.pk: tp.version for tp in touchpoints}
    set_rows(
        Touchpoint,
        ["rating_current"],
        [(tp.pk, 2) for tp in touchpoints],
        version=F("version") + 1,
        updated_at=NOW,
    )
    for touchpoint in touchpoints:
        touchpoint.refresh_from_db()
        assert touchpoint.version == before[touchpoint.pk] + 1
        assert (touchpoint.rating_current, touchpoint.updated_at) == (2, NOW)


def test_insert_rows_with_ids_made_by_the_database(nordic, bob):
    touchpoint = TouchpointFactory(organisation=nordic)
    rows = [(touchpoint.pk, str(i), str(i + 1)) for i in range(1_200)]  # parts on SQLite
    with CaptureQueriesContext(connection) as ctx:
        written = insert_rows(
            TouchpointChange,
            ["touchpoint", "old_value", "new_value"],
            rows,
            id=RandomUUID(),
            actor=bob.pk,
            changed_at=NOW,
            field="rating_current",
        )
    assert written == 1_200
    if connection.vendor == "postgresql":
        assert len(ctx.captured_queries) == 1
    changes = list(TouchpointChange.objects.filter(touchpoint=touchpoint))
    assert len(changes) == 1_200
    ids = {change.pk for change in changes}
    assert len(ids) == 1_200  # all different
    assert {(change.pk.version, change.pk.variant) for change in changes} == {(4, uuid.RFC_4122)}
    assert {(c.actor_id, c.changed_at, c.field) for c in changes} == {
        (bob.pk, NOW, "rating_current")
    }
    assert sorted(int(c.new_value) - int(c.old_value) for c in changes) == [1] * 1_200
    # what Django reads back finds the same row again
    some = changes[0]
    assert TouchpointChange.objects.get(pk=some.pk).old_value == some.old_value


def test_any_of_finds_the_rows_with_one_of_the_values(journeys):
    first, second, _third = journeys
    found = Journey.objects.filter(AnyOf(F("name"), [first.name, second.name, "nobody"]))
    assert sorted(found.values_list("name", flat=True)) == sorted([first.name, second.name])
    assert not Journey.objects.filter(AnyOf(F("name"), [])).exists()


def test_keys_read_as_stored_are_written_by_as_they_are(journeys, bob):
    """stored_key reads a UUID key as the database keeps it (text, no UUID object); set_rows
    and insert_rows take it back as it is, for the row's key and for a foreign key."""
    keys = dict(Journey.objects.values_list(stored_key(), "pk"))
    assert all(isinstance(key, str) for key in keys)
    later = NOW + timedelta(days=3)
    written = set_rows(Journey, ["next_reminder_at"], [(key, later) for key in keys])
    assert sorted(written) == sorted(keys.values())
    assert set(Journey.objects.values_list("next_reminder_at", flat=True)) == {later}
    point = TouchpointFactory(journey=journeys[0])
    (as_stored,) = Touchpoint.objects.filter(pk=point.pk).values_list(stored_key(), flat=True)
    insert_rows(
        TouchpointChange,
        ["touchpoint", "old_value", "new_value"],
        [(as_stored, "0", "1")],
        id=RandomUUID(),
        actor=bob.pk,
        changed_at=NOW,
        field="rating_current",
    )
    assert TouchpointChange.objects.get().touchpoint_id == point.pk
