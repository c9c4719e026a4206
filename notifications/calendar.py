"""The private iCalendar feed: review dates of a person's journeys, due dates of their actions.

One feed per membership; its random token is the only secret (no login, so calendar apps can
fetch it). Resetting the token gives a new address and the old one stops working at once.
"""

import re
import secrets
from datetime import timedelta

import icalendar
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys.models import Journey
from reviews.models import Action

from .models import CalendarFeed

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _new_token():
    return secrets.token_urlsafe(32)


def _own(actor, membership):
    from django.core.exceptions import PermissionDenied

    if membership.user_id != actor.pk:
        raise PermissionDenied


@transaction.atomic
def calendar_feed_create(*, actor, membership):
    """The member's feed, created if they have none yet (a second click changes nothing)."""
    _own(actor, membership)
    feed, _created = CalendarFeed.objects.get_or_create(
        membership=membership, defaults={"token": _new_token()}
    )
    return feed


@transaction.atomic
def calendar_feed_reset(*, actor, membership):
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
def calendar_feed_delete(*, actor, membership):
    _own(actor, membership)
    CalendarFeed.objects.filter(membership=membership).delete()


def feed_url(feed):
    return settings.SITE_URL + reverse("calendar_feed", args=[feed.token])


def feed_for_token(token):
    """The feed for a token, or None. Tokens of the wrong shape are not even looked up."""
    if not isinstance(token, str) or not TOKEN_SHAPE.fullmatch(token):
        return None
    return (
        CalendarFeed.objects.select_related("membership__organisation", "membership__user")
        .filter(token=token)
        .first()
    )


def calendar_for(feed, *, now=None):
    """The iCalendar document of a feed (bytes), and its fetch stamped. Four queries."""
    now = now or timezone.now()
    membership = feed.membership
    org, user = membership.organisation, membership.user
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    journeys = (
        Journey.objects.for_org(org)
        .active()
        .filter(next_review_on__isnull=False)
        .filter(Q(owner=user) | Q(touchpoints__owner=user))
        .distinct()
        .order_by("next_review_on", "name")
    )
    actions = (
        Action.objects.for_org(org)
        .open()
        .filter(owner=user)
        .select_related("journey")
        .order_by("due_on", "created_at")
    )
    cal = icalendar.Calendar()
    cal.add("prodid", "-//motmap//calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("motmap · %(org)s") % {"org": org.name})
    cal.add("x-wr-timezone", org.time_zone)
    for journey in journeys:
        board = settings.SITE_URL + reverse("journey_board", args=[org.slug, journey.pk])
        cal.add_component(
            _event(
                uid=f"journey-review-{journey.pk}@motmap",
                day=journey.next_review_on,
                summary=_("Review: %(journey)s") % {"journey": journey.name},
                description=_("Review of the journey “%(journey)s” in %(org)s.")
                % {"journey": journey.name, "org": org.name},
                url=board,
                now=now,
            )
        )
    for action in actions:
        board = settings.SITE_URL + reverse("journey_board", args=[org.slug, action.journey_id])
        cal.add_component(
            _event(
                uid=f"action-{action.pk}@motmap",
                day=action.due_on,
                summary=_("Action: %(title)s") % {"title": action.title},
                description=_("Action agreed for the journey “%(journey)s” in %(org)s.")
                % {"journey": action.journey.name, "org": org.name},
                url=board,
                now=now,
            )
        )
    return cal.to_ical()


def _event(*, uid, day, summary, description, url, now):
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", f"{description}\n{url}")
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event
