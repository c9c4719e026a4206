"""Give every existing journey its next review date and first reminder."""

import zoneinfo
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db import migrations
from django.utils import timezone

MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}


def schedule(apps, schema_editor):
    Journey = apps.get_model("journeys", "Journey")
    now = timezone.now()
    for journey in Journey.objects.filter(next_review_on__isnull=True).select_related(
        "organisation"
    ):
        tz = zoneinfo.ZoneInfo(journey.organisation.time_zone)
        base = journey.created_at.astimezone(tz).date()
        if journey.review_cadence == "weeks":
            due = base + timedelta(weeks=journey.review_every_weeks or 1)
        else:
            due = base + relativedelta(months=MONTHS.get(journey.review_cadence, 3))
        journey.next_review_on = due
        if journey.archived_at is None:
            days = journey.organisation.reminder_days_before
            day = due - timedelta(days=days)
            moment = datetime.combine(day, time(8), tzinfo=tz)
            if moment <= now:
                day = max(due, now.astimezone(tz).date())
                moment = datetime.combine(day, time(8), tzinfo=tz)
                while moment <= now or (day - due).days % 7:
                    day += timedelta(days=1)
                    moment = datetime.combine(day, time(8), tzinfo=tz)
            journey.next_reminder_at = moment
        journey.save(update_fields=["next_review_on", "next_reminder_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        ("journeys", "0003_review_schedule"),
        ("motmap", "0003_organisation_reminder_days_before_and_more"),
    ]

    operations = [migrations.RunPython(schedule, migrations.RunPython.noop)]
