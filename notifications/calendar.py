"""The private iCalendar feed: review dates of a person's journeys, due dates of their actions.

One feed per membership; its random token is the only secret (no login, so calendar apps can
fetch it). Resetting the token gives a new address and the old one stops working at once.
"""

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import icalendar
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motmap.models import Membership, User

from .models import CalendarFeed

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _own(actor: User, membership: Membership) -> None:
    if membership.user_id != actor.pk:
        raise PermissionDenied


@transaction.atomic
def calendar_feed_create(*, actor: User, membership: Membership) -> CalendarFeed:
    """The member's feed, created if they have none yet (a second click changes nothing)."""
    _own(actor, membership)
    feed, _created = CalendarFeed.objects.get_or_create(
        membership=membership, defaults={"token": _new_token()}
    )
    return feed


@transaction.atomic
def calendar_feed_reset(*, actor: User, membership: Membership) -> CalendarFeed:
    """A new secret address; the old one answers 404 from now on."""
    _own(actor, membership)
    feed, created = CalendarFeed.objects.get_or_create(
        membership=membership, defaults={"token": _new_token()}
    )
    if not created:
        feed.token = _new_token()
        feed.last_fetched_at = None
        feed.save(update_fields=["token", "last_fetched_at"])
    return feed


@transaction.atomic
def calendar_feed_delete(*, actor: User, membership: Membership) -> None:
    _own(actor, membership)
    CalendarFeed.objects.filter(membership=membership).delete()


def feed_url(feed: CalendarFeed) -> str:
    return settings.SITE_URL + reverse("calendar_feed", args=[feed.token])


def feed_for_token(token: object) -> CalendarFeed | None:
    """The feed for a token, or None. Tokens of the wrong shape are not even looked up."""
    if not isinstance(token, str) or not TOKEN_SHAPE.fullmatch(token):
        return None
    return (
        CalendarFeed.objects.select_related("membership__organisation", "membership__user")
        .filter(token=token)
        .first()
    )


@dataclass(frozen=True)
class CalendarEvent:
    """One all-day event of a feed."""

    uid: str  # stable, so a calendar app updates the event instead of adding another
    day: date
    summary: str
    description: str
    url: str


# The hook through which apps above say what a feed shows: each source is called with the
# feed's membership and returns its events, in order. Registered in their AppConfig.ready()
# (reviews: the journeys' next reviews and the member's open actions).
Source = Callable[[Membership], Iterable[CalendarEvent]]
_sources: list[Source] = []


def register_source(source: Source) -> Source:
    """Add `source(membership) -> iterable of CalendarEvent` to every member's feed."""
    if source not in _sources:
        _sources.append(source)
    return source


def calendar_for(feed: CalendarFeed, *, now: datetime | None = None) -> bytes:
    """The iCalendar document of a feed (bytes), and its fetch stamped: one query, then the
    sources' (reviews: two)."""
    now = now or timezone.now()
    membership = feed.membership
    org = membership.organisation
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//motmap//calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("motmap · %(org)s") % {"org": org.name})
    cal.add("x-wr-timezone", org.time_zone)
    for source in _sources:
        for event in source(membership):
            cal.add_component(_event(event, now=now))
    return cal.to_ical()


def _event(item: CalendarEvent, *, now: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", item.uid)
    event.add("dtstamp", now)
    event.add("dtstart", item.day)
    event.add("dtend", item.day + timedelta(days=1))
    event.add("summary", item.summary)
    event.add("description", f"{item.description}\n{item.url}")
    event.add("url", item.url)
    event.add("transp", "TRANSPARENT")
    return event
