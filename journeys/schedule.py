"""Dates of the review rhythm: pure functions, no database.

A journey's next review is its cadence after the last review held (or after its creation).
Review reminders go out at the organisation's morning (REMINDER_HOUR, 08:00 by default, in its
time zone) on: the due date minus the organisation's `reminder_days_before`, the due date, then
every 7 days while overdue. An action's reminders go out on its due date, the morning after
(when it becomes overdue: its journey's owner is told too, and the webhooks), then every 7 days
while it is open. A missed sweep (the worker was down for a week) sends one reminder, not a
backlog: the next reminder is always the first one after *now*.
"""

from datetime import date, datetime, timedelta, tzinfo

from dateutil.relativedelta import relativedelta

from notifications.schedule import morning

from .models import Journey

MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
WEEK = timedelta(days=7)


def add_cadence(day: date, cadence: str, every_weeks: int | None = None) -> date:
    """The date one cadence after `day` (31 January + 1 month = 28/29 February)."""
    if cadence == "weeks":
        return day + timedelta(weeks=every_weeks or 1)
    return day + relativedelta(months=MONTHS.get(cadence, 3))


def next_review_on(journey: Journey, last_held_on: date | None = None) -> date:
    """When the journey's next review is due, from its last review held or its creation."""
    base = last_held_on or journey.created_at.astimezone(journey.organisation.tzinfo).date()
    return add_cadence(base, journey.review_cadence, journey.review_every_weeks)


def _first_weekly_after(start: date, tz: tzinfo, after: datetime) -> datetime:
    """The first of morning(start), morning(start + 7), ... later than `after`."""
    weeks = max(0, (after.astimezone(tz).date() - start).days // 7)
    moment = morning(start + weeks * WEEK, tz)
    while moment <= after:
        weeks += 1
        moment = morning(start + weeks * WEEK, tz)
    return moment


def next_review_reminder(due_on: date, days_before: int, tz: tzinfo, after: datetime) -> datetime:
    """The first review reminder later than `after` for a review due on `due_on`."""
    early = morning(due_on - timedelta(days=days_before), tz)
    if early > after:
        return early
    return _first_weekly_after(due_on, tz, after)


def next_action_reminder(due_on: date, tz: tzinfo, after: datetime) -> datetime:
    """The first reminder later than `after` for an action due on `due_on`."""
    on_the_day = morning(due_on, tz)
    if on_the_day > after:
        return on_the_day
    return _first_weekly_after(due_on + timedelta(days=1), tz, after)


def days_until(due_on: date, moment: datetime, tz: tzinfo) -> int:
    """Days from the local date of `moment` to `due_on`: positive before, negative overdue."""
    return (due_on - moment.astimezone(tz).date()).days
