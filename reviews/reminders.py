"""Review and action reminders: scheduled on the row, fired once, told through the outbox.

Every journey and every open action carries `next_reminder_at` (UTC; partial index). Two steps:

1. The sweep (`send_due_reminders`, run by the beat every few minutes and by
   `manage.py send_due_reminders`) fires what is due. It works in batches of
   REMINDER_BATCH_SIZE, each one transaction of three statements whatever the batch holds: a
   SELECT of the due rows, one UPDATE ... FROM (VALUES ...) that moves each `next_reminder_at`
   to its next reminder *only where it is still due* (the claim: a second sweep running at the
   same time waits on the row locks, then finds them no longer due and writes nothing), and
   one INSERT of a compact `Reminder` row per item the UPDATE returned. Nothing is rendered
   there, so the sweep stays near the cost of that bare SELECT and UPDATE (`make bench`).
2. `deliver_reminders` (a task queued when the sweep commits, and a beat safety net) tells
   them, on however many workers: it takes a batch of Reminder rows (skipping those another
   worker holds), finds the recipients and their preferences, writes the emails (rendered
   here) or digest notices and the webhooks' "action overdue", and deletes the rows, in one
   transaction.

So a sweep run twice fires each reminder once, and each fired reminder is told once; a failure
in either step rolls that batch back and the next run does it; a broker that is down only
delays the telling, which the beat catches up. Archiving a journey, completing its review or
closing an action moves or clears the schedule, and a fired reminder whose item has changed so
is dropped when it is told, so a reminder that is no longer true is never sent.
"""

import functools
import logging
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journeys import schedule
from journeys.models import Journey
from journeys.services import reschedule_journey, review_reminder_at
from motmap.bulk import insert_from as bulk_insert_from
from motmap.bulk import set_rows as bulk_set_rows
from motmap.enqueue import enqueue_on_commit
from motmap.models import EDITOR_ROLES, Membership, Organisation
from notifications.models import Kind
from notifications.services import Notice, deliver
from touchpoints.models import Touchpoint
from webhooks import payloads as webhook_payloads
from webhooks.models import Event as WebhookEvent
from webhooks.services import emit_once

from .models import Action, ActionStatus, Reminder

logger = logging.getLogger(__name__)
DELIVER_TASK = "reviews.tasks.deliver_reminders"


# --- scheduling --------------------------------------------------------------------------------


def open_action_reminder_at(
    due_on: date, *, owner_id: int | None, zone: tzinfo, now: datetime
) -> datetime | None:
    """When an open action's next reminder should go out, or None (nobody to tell): the one
    rule, from plain values, for an action object and the sweep's rows alike."""
    if not owner_id:
        return None
    return schedule.next_action_reminder(due_on, zone, now)


def action_reminder_at(action: Action, *, now: datetime | None = None) -> datetime | None:
    """When the action's next reminder should go out, or None (closed, or nobody to tell)."""
    if action.status != ActionStatus.OPEN:
        return None
    return open_action_reminder_at(
        action.due_on,
        owner_id=action.owner_id,
        zone=action.organisation.tzinfo,
        now=now or timezone.now(),
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


# --- the sweep: fire what is due ---------------------------------------------------------------


def send_due_reminders(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Fire every review and action reminder due at `now`. Returns how many items fired."""
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


def _journey_batch(now: datetime, batch_size: int) -> tuple[int, int]:
    still_due = Q(next_reminder_at__lte=now, archived_at__isnull=True)
    rows = list(
        Journey.objects.filter(still_due)
        .order_by("next_reminder_at")
        .values_list(
            "pk", "next_review_on", "organisation__reminder_days_before", "organisation__time_zone"
        )[:batch_size]
    )
    if not rows:
        return 0, 0
    tz = _zones()

    @functools.cache
    def next_at(due_on: date | None, days_before: int, zone: str) -> datetime | None:
        # not archived: `still_due` leaves those out
        return review_reminder_at(
            due_on, archived=False, days_before=days_before, zone=tz(zone), now=now
        )

    with transaction.atomic():
        won = bulk_set_rows(
            Journey,
            ["next_reminder_at"],
            [(pk, next_at(due_on, before, zone)) for pk, due_on, before, zone in rows],
            where=still_due,
        )
        _fire(
            "journey",
            Journey.objects.filter(pk__in=won, next_review_on__isnull=False),
            "next_review_on",
            now,
        )
    return len(rows), len(won)


def _action_batch(now: datetime, batch_size: int) -> tuple[int, int]:
    still_due = Q(next_reminder_at__lte=now, status=ActionStatus.OPEN)
    rows = list(
        Action.objects.filter(still_due)
        .order_by("next_reminder_at")
        .values_list("pk", "due_on", "owner_id", "organisation__time_zone")[:batch_size]
    )
    if not rows:
        return 0, 0
    tz = _zones()

    @functools.cache
    def next_at(due_on: date, owner_id: int | None, zone: str) -> datetime | None:
        # open: `still_due` leaves the others out
        return open_action_reminder_at(due_on, owner_id=owner_id, zone=tz(zone), now=now)

    with transaction.atomic():
        won = bulk_set_rows(
            Action,
            ["next_reminder_at"],
            [(pk, next_at(due_on, owner_id, zone)) for pk, due_on, owner_id, zone in rows],
            where=still_due,
        )
        _fire("action", Action.objects.filter(pk__in=won), "due_on", now)
    return len(rows), len(won)


def _fire(kind: str, items: QuerySet[Any], due_on: str, now: datetime) -> None:
    """One Reminder row per item (one INSERT ... SELECT), told once the transaction commits."""
    bulk_insert_from(
        Reminder,
        [kind, "due_on", "fired_at"],
        items.values_list("pk", due_on, Value(now, output_field=DateTimeField())),
    )
    enqueue_on_commit(DELIVER_TASK, sweep="deliver_reminders")


def _zones() -> Callable[[str], tzinfo]:
    return functools.cache(zoneinfo.ZoneInfo)


# --- telling what fired -------------------------------------------------------------------------


def deliver_reminders(*, batch_size: int | None = None) -> int:
    """Tell every fired reminder to its people. Returns how many reminders were told."""
    batch_size = batch_size or settings.REMINDER_BATCH_SIZE
    told = 0
    while True:
        found, delivered = _deliver_batch(batch_size)
        told += delivered
        if found < batch_size:
            return told


@transaction.atomic
def _deliver_batch(batch_size: int) -> tuple[int, int]:
    fired = list(
        Reminder.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related(
            "journey__organisation",
            "journey__owner",
            "action__organisation",
            "action__journey",
            "action__touchpoint",
            "action__owner",
        )
        .order_by("fired_at", "pk")[:batch_size]
    )
    if not fired:
        return 0, 0
    # Still true: the journey is not archived and its review still due that day; the action
    # still open and due that day.
    journeys = [
        r
        for r in fired
        if r.journey and not r.journey.archived_at and r.journey.next_review_on == r.due_on
    ]
    actions = [
        r
        for r in fired
        if r.action and r.action.status == ActionStatus.OPEN and r.action.due_on == r.due_on
    ]
    notices: list[Notice] = []
    recipients = _journey_recipients([r.journey for r in journeys if r.journey])
    for reminder in journeys:
        assert reminder.journey is not None
        notices += _review_notices(
            reminder.journey, recipients[reminder.journey.pk], reminder.fired_at
        )
    action_notices, overdue_events = _action_notices(actions)
    deliver(notices + action_notices)
    emit_once(WebhookEvent.ACTION_OVERDUE, overdue_events)
    Reminder.objects.filter(pk__in=[r.pk for r in fired]).delete()
    return len(fired), len(journeys) + len(actions)


def _action_notices(
    fired: Sequence[Reminder],
) -> tuple[list[Notice], list[tuple[Organisation, object, dict[str, Any]]]]:
    """The reminders of these actions to their owners, and once overdue to their journeys'
    owners too; and the webhooks' "action overdue" of those found overdue."""
    actions = [(r.action, r.fired_at) for r in fired if r.action]
    memberships = _memberships(
        [a.organisation_id for a, _at in actions],
        [a.owner_id for a, _at in actions] + [a.journey.owner_id for a, _at in actions],
    )
    notices: list[Notice] = []
    overdue_events: list[tuple[Organisation, object, dict[str, Any]]] = []
    for action, at in actions:
        days = schedule.days_until(action.due_on, at, action.organisation.tzinfo)
        people = [action.owner_id] + ([action.journey.owner_id] if days < 0 else [])
        if days < 0:  # the first reminder that finds it overdue tells the webhooks, once
            overdue_events.append(
                (
                    action.organisation,
                    action.pk,
                    webhook_payloads.action_overdue(action, days_overdue=-days),
                )
            )
        for user_id in dict.fromkeys(people):
            membership = memberships.get((action.organisation_id, user_id)) if user_id else None
            if membership:
                notices.append(_action_notice(action, membership, at))
    return notices, overdue_events


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
