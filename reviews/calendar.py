"""What reviews put in a member's private calendar feed (`notifications.calendar`): the next
review of the journeys they own or own a touchpoint of, and the due dates of their open actions.
Registered as a feed source in `ReviewsConfig.ready()`."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from journeys.models import Journey
from notifications.calendar import CalendarEvent

from .models import Action


def review_events(membership):
    """Two queries: the journeys, then the actions."""
    org, user = membership.organisation, membership.user
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
    for journey in journeys:
        yield CalendarEvent(
            uid=f"journey-review-{journey.pk}@motmap",
            day=journey.next_review_on,
            summary=_("Review: %(journey)s") % {"journey": journey.name},
            description=_("Review of the journey “%(journey)s” in %(org)s.")
            % {"journey": journey.name, "org": org.name},
            url=_board_url(org, journey.pk),
        )
    for action in actions:
        yield CalendarEvent(
            uid=f"action-{action.pk}@motmap",
            day=action.due_on,
            summary=_("Action: %(title)s") % {"title": action.title},
            description=_("Action agreed for the journey “%(journey)s” in %(org)s.")
            % {"journey": action.journey.name, "org": org.name},
            url=_board_url(org, action.journey_id),
        )


def _board_url(org, journey_id):
    return settings.SITE_URL + reverse("journey_board", args=[org.slug, journey_id])
