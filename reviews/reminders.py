"""Review and action reminders: scheduled on the row, claimed once, sent through the outbox.

Every journey and every open action carries `next_reminder_at` (UTC; partial index). The sweep
(`send_due_reminders`, run by the beat every few minutes and by `manage.py send_due_reminders`)
works in batches, each one transaction:

1. select up to REMINDER_BATCH_SIZE due ids;
2. claim them with one conditional UPDATE (`... WHERE next_reminder_at <= now`): a second
   sweep running at the same time waits on the row locks and then finds them no longer due;
3. read the claimed rows, their recipients and preferences with a fixed number of queries;
4. move each `next_reminder_at` to its next reminder and write the emails (or digest notices)
   in the same transaction.

So a sweep run twice sends each reminder once; a sweep that fails in a batch rolls that batch
back, and the next run sends it; a broker that is down only delays the outbox, which the beat
flushes. Archiving a journey, completing its review or closing an action moves or clears the
schedule, so a reminder that is no longer true is never sent.
"""

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journeys import schedule
from journeys.models import Journey
from journeys.services import reschedule_journey
from motmap.models import EDITOR_ROLES, Membership, Organisation
from notifications.models import Kind
from notifications.services import Notice, deliver
from touchpoints.models import Touchpoint
from webhooks import payloads as webhook_payloads
from webhooks.models import Event as WebhookEvent
from webhooks.services import emit_once

from .models import Action, ActionStatus

logger = logging.getLogger(__name__)


# --- scheduling --------------------------------------------------------------------------------


def action_reminder_at(action: Action, *, now: datetime | None = None) -> datetime | None:
    """When the action's next reminder should go out, or None (closed, or nobody to tell)."""
    if action.status != ActionStatus.OPEN or not action.owner_id:
        return None
    return schedule.next_action_reminder(
        action.due_on, action.organisation.tzinfo, now or timezone.now()
    )


def reschedule_action(
    action: Action, *, now: datetime | None = None, save: bool = True
) -> datetime | None:
    action.next_reminder_at = action_reminder_at(action, now=now)
    if save:
        Action.objects.filter(pk=action.pk).update(next_reminder_at=action.next_reminder_at)
    return action.next_reminder_at


def reschedule_organisation(organisation: Organisation, *, now: datetime | None = None) -> None:
    """After the time zone or the reminder lead changes: every journey and action again."""
    now = now or timezone.now()
    journeys = list(Journey.objects.for_org(organisation).select_related("organisation"))
    for journey in journeys:
        reschedule_journey(journey, now=now, save=False)
    Journey.objects.bulk_update(journeys, ["next_reminder_at"], batch_size=500)
    actions = list(Action.objects.for_org(organisation).open().select_related("organisation"))
    for action in actions:
        reschedule_action(action, now=now, save=False)
    Action.objects.bulk_update(actions, ["next_reminder_at"], batch_size=500)


def on_organisation_schedule_changed(
    sender: object, *, organisation: Organisation, **kwargs: Any
) -> None:
    """Receiver of `motmap.signals.organisation_schedule_changed`."""
    reschedule_organisation(organisation)


# --- the sweep ---------------------------------------------------------------------------------


def send_due_reminders(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Send every review and action reminder due at `now`. Returns how many items fired."""
    now = now or timezone.now()
    batch_size = batch_size or settings.REMINDER_BATCH_SIZE
    fired = 0
    for batch in (_journey_batch, _action_batch):
        while True:
            found, claimed = batch(now, batch_size)
            fired += claimed
            if found < batch_size:
                break
    return fired


def _claim(
    due: QuerySet[Journey] | QuerySet[Action], batch_size: int
) -> tuple[int, uuid.UUID | None]:
    """Claim up to batch_size due rows with one conditional UPDATE. Returns (found, token)."""
    ids = list(due.order_by("next_reminder_at").values_list("pk", flat=True)[:batch_size])
    if not ids:
        return 0, None
    token = uuid.uuid4()
    due.filter(pk__in=ids).update(reminder_claim=token)
    return len(ids), token


@transaction.atomic
def _journey_batch(now: datetime, batch_size: int) -> tuple[int, int]:
    due = Journey.objects.filter(next_reminder_at__lte=now, archived_at__isnull=True)
    found, token = _claim(due, batch_size)
    if not token:
        return found, 0
    journeys = list(
        Journey.objects.filter(reminder_claim=token).select_related("organisation", "owner")
    )
    recipients = _journey_recipients(journeys)
    notices: list[Notice] = []
    for journey in journeys:
        notices += _review_notices(journey, recipients[journey.pk], now)
        reschedule_journey(journey, now=now, save=False)
        journey.reminder_claim = None
    Journey.objects.bulk_update(journeys, ["next_reminder_at", "reminder_claim"])
    deliver(notices)
    return found, len(journeys)


@transaction.atomic
def _action_batch(now: datetime, batch_size: int) -> tuple[int, int]:
    due = Action.objects.filter(next_reminder_at__lte=now, status=ActionStatus.OPEN)
    found, token = _claim(due, batch_size)
    if not token:
        return found, 0
    actions = list(
        Action.objects.filter(reminder_claim=token).select_related(
            "organisation", "journey", "touchpoint", "owner"
        )
    )
    # The action's owner, and once it is overdue the journey's owner too.
    memberships = _memberships(
        [a.organisation_id for a in actions],
        [a.owner_id for a in actions] + [a.journey.owner_id for a in actions],
    )
    notices: list[Notice] = []
    overdue_events: list[tuple[Organisation, object, dict[str, Any]]] = []
    for action in actions:
        overdue = schedule.days_until(action.due_on, now, action.organisation.tzinfo) < 0
        people = [action.owner_id] + ([action.journey.owner_id] if overdue else [])
        if overdue:  # the first sweep that finds it overdue tells the webhooks, once
            days = -schedule.days_until(action.due_on, now, action.organisation.tzinfo)
            overdue_events.append(
                (
                    action.organisation,
                    action.pk,
                    webhook_payloads.action_overdue(action, days_overdue=days),
                )
            )
        for user_id in dict.fromkeys(people):
            membership = memberships.get((action.organisation_id, user_id)) if user_id else None
            if membership:
                notices.append(_action_notice(action, membership, now))
        reschedule_action(action, now=now, save=False)
        action.reminder_claim = None
    Action.objects.bulk_update(actions, ["next_reminder_at", "reminder_claim"])
    deliver(notices)
    emit_once(WebhookEvent.ACTION_OVERDUE, overdue_events)
    return found, len(actions)


def _memberships(
    org_ids: Iterable[uuid.UUID], user_ids: Iterable[int | None], *, editors_too: bool = False
) -> dict[tuple[uuid.UUID, int], Membership]:
    """Active memberships of these people (and, if asked, every manager and owner) in these
    organisations, keyed (organisation_id, user_id). One query."""
    people = Q(user_id__in={user_id for user_id in user_ids if user_id is not None})
    if editors_too:
        people |= Q(role__in=EDITOR_ROLES)
    rows = Membership.objects.filter(
        people, organisation_id__in=set(org_ids), user__is_active=True
    ).select_related("user", "organisation")
    return {(m.organisation_id, m.user_id): m for m in rows}


def _journey_recipients(journeys: Sequence[Journey]) -> dict[uuid.UUID, list[Membership]]:
    """Per journey: its owner and the owners of its touchpoints who are still members; when
    there is nobody, the organisation's managers and owners (a reminder nobody reads is lost)."""
    users: defaultdict[uuid.UUID, set[int]] = defaultdict(set)
    for journey in journeys:
        if journey.owner_id:
            users[journey.pk].add(journey.owner_id)
    for journey_id, owner_id in (
        Touchpoint.objects.filter(journey__in=journeys, owner__isnull=False)
        .values_list("journey_id", "owner_id")
        .distinct()
    ):
        users[journey_id].add(owner_id)
    orgs = {j.pk: j.organisation_id for j in journeys}
    by_org_user = _memberships(
        orgs.values(), set().union(*users.values()) if users else (), editors_too=True
    )
    editors: defaultdict[uuid.UUID, list[Membership]] = defaultdict(list)
    for (org_id, _user_id), membership in sorted(
        by_org_user.items(), key=lambda item: item[1].user.email
    ):
        if membership.role in EDITOR_ROLES:
            editors[org_id].append(membership)
    result: dict[uuid.UUID, list[Membership]] = {}
    for journey in journeys:
        org_id = journey.organisation_id
        chosen = [
            by_org_user[(org_id, uid)] for uid in users[journey.pk] if (org_id, uid) in by_org_user
        ]
        result[journey.pk] = sorted(chosen, key=lambda m: m.user.email) or editors[org_id]
    return result


def _review_notices(
    journey: Journey, memberships: Iterable[Membership], now: datetime
) -> list[Notice]:
    org = journey.organisation
    due_on = journey.next_review_on
    if due_on is None:  # not reached: a journey without a review date has no reminder
        return []
    days = schedule.days_until(due_on, now, org.tzinfo)
    if days > 0:
        text = ngettext(
            "The review of “%(journey)s” is due in %(days)s day, on %(date)s.",
            "The review of “%(journey)s” is due in %(days)s days, on %(date)s.",
            days,
        )
    elif days == 0:
        text = _("The review of “%(journey)s” is due today, %(date)s.")
    else:
        text = ngettext(
            "The review of “%(journey)s” is overdue by %(days)s day (due %(date)s).",
            "The review of “%(journey)s” is overdue by %(days)s days (due %(date)s).",
            -days,
        )
    text = text % {
        "journey": journey.name,
        "days": abs(days),
        "date": date_format(due_on, "DATE_FORMAT"),
    }
    url = reverse("journey_board", args=[org.slug, journey.pk])
    return [
        Notice(
            membership=membership,
            kind=Kind.REMINDERS,
            template="review_reminder",
            text=text,
            url=url,
            context={"journey": journey, "days": days, "overdue": days < 0, "summary": text},
        )
        for membership in memberships
    ]


def _action_notice(action: Action, membership: Membership, now: datetime) -> Notice:
    org = action.organisation
    days = schedule.days_until(action.due_on, now, org.tzinfo)
    if days >= 0:
        text = _("Action due today: “%(title)s” (%(journey)s).")
    else:
        text = ngettext(
            "Action overdue by %(days)s day: “%(title)s” (%(journey)s, due %(date)s).",
            "Action overdue by %(days)s days: “%(title)s” (%(journey)s, due %(date)s).",
            -days,
        )
    text = text % {
        "title": action.title,
        "journey": action.journey.name,
        "days": abs(days),
        "date": date_format(action.due_on, "DATE_FORMAT"),
    }
    return Notice(
        membership=membership,
        kind=Kind.REMINDERS,
        template="action_reminder",
        text=text,
        # The action's own row on the dashboard: every role can read it there (staff cannot
        # open the edit page), and the owner closes it from that row.
        url=reverse("review_dashboard", args=[org.slug]) + f"#action-{action.pk}",
        context={"action": action, "days": days, "overdue": days < 0, "summary": text},
    )
