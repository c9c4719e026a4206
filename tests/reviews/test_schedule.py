"""The review rhythm's dates: cadence arithmetic and reminder times in the org's time zone."""

import zoneinfo
from datetime import UTC, date, datetime

import pytest

from journeys import schedule

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("cadence", "weeks", "start", "expected"),
    [
        ("monthly", None, date(2027, 1, 31), date(2027, 2, 28)),
        ("monthly", None, date(2028, 1, 31), date(2028, 2, 29)),
        ("quarterly", None, date(2027, 1, 5), date(2027, 4, 5)),
        ("quarterly", None, date(2027, 11, 30), date(2028, 2, 29)),
        ("half_yearly", None, date(2027, 8, 31), date(2028, 2, 29)),
        ("yearly", None, date(2028, 2, 29), date(2029, 2, 28)),
        ("weeks", 6, date(2027, 1, 5), date(2027, 2, 16)),
        ("weeks", 104, date(2027, 1, 5), date(2029, 1, 2)),
    ],
)
def test_the_next_review_is_one_cadence_after_the_base_date(cadence, weeks, start, expected):
    assert schedule.add_cadence(start, cadence, weeks) == expected


def test_reminders_go_out_at_eight_in_the_morning_of_the_org_across_dst():
    due = date(2027, 4, 5)  # Oslo moves to summer time on 28 March 2027
    first = schedule.next_review_reminder(due, 14, OSLO, datetime(2027, 1, 1, tzinfo=UTC))
    assert first == datetime(2027, 3, 22, 7, 0, tzinfo=UTC)  # 08:00 CET
    second = schedule.next_review_reminder(due, 14, OSLO, first)
    assert second == datetime(2027, 4, 5, 6, 0, tzinfo=UTC)  # 08:00 CEST
    third = schedule.next_review_reminder(due, 14, OSLO, second)
    assert third == datetime(2027, 4, 12, 6, 0, tzinfo=UTC)  # weekly while overdue
    assert schedule.next_review_reminder(due, 14, NEW_YORK, first) == datetime(
        2027, 3, 22, 12, 0, tzinfo=UTC
    )


def test_a_late_sweep_sends_one_reminder_not_a_backlog():
    due = date(2027, 4, 5)
    after_three_weeks_down = datetime(2027, 4, 27, 12, 0, tzinfo=UTC)
    assert schedule.next_review_reminder(due, 14, OSLO, after_three_weeks_down) == datetime(
        2027, 5, 3, 6, 0, tzinfo=UTC
    )


def test_when_the_early_reminder_has_passed_the_next_is_the_due_date():
    due = date(2027, 4, 5)
    assert schedule.next_review_reminder(
        due, 14, OSLO, datetime(2027, 3, 30, tzinfo=UTC)
    ) == datetime(2027, 4, 5, 6, 0, tzinfo=UTC)


def test_action_reminders_fall_on_the_due_date_the_day_after_then_weekly():
    due = date(2027, 10, 25)  # Oslo leaves summer time on 31 October 2027
    first = schedule.next_action_reminder(due, OSLO, datetime(2027, 10, 1, tzinfo=UTC))
    assert first == datetime(2027, 10, 25, 6, 0, tzinfo=UTC)
    overdue = schedule.next_action_reminder(due, OSLO, first)
    assert overdue == datetime(2027, 10, 26, 6, 0, tzinfo=UTC)
    assert schedule.next_action_reminder(due, OSLO, overdue) == datetime(
        2027, 11, 2, 7, 0, tzinfo=UTC
    )


def test_days_until_counts_in_the_org_local_date():
    # 23:30 UTC on 4 April is already 5 April in Oslo.
    assert (
        schedule.days_until(date(2027, 4, 5), datetime(2027, 4, 4, 23, 30, tzinfo=UTC), OSLO) == 0
    )
