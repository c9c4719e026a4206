"""When notices go out: the organisation's morning, in its time zone."""

from datetime import date, datetime, time, tzinfo

from django.conf import settings


def morning(day: date, tz: tzinfo) -> datetime:
    """REMINDER_HOUR o'clock on `day` in `tz` (an aware datetime; DST handled by zoneinfo)."""
    return datetime.combine(day, time(settings.REMINDER_HOUR), tzinfo=tz)
