"""Deliver notices the way each person asked: now, in a daily or weekly digest, or not at all.

`deliver(notices)` is the one door every notification goes through (reminders, decisions,
new ideas, comments). It reads everybody's settings in one query, writes the immediate emails
to the outbox in one INSERT and the digest notices in another, all in the caller's
transaction. `send_due_digests` gathers due notices into one email per person and frequency,
claiming them with a conditional UPDATE so that no notice is sent twice.

Every email carries the organisation's name, a direct link and a signed one-click unsubscribe
link (also as `List-Unsubscribe` / `List-Unsubscribe-Post` headers, RFC 8058).
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from motmap import outbox
from motmap.fields import max_length
from motmap.models import Membership, OutboxEmail, User

from .models import DEFAULTS, DIGESTS, Frequency, Kind, NotificationSetting, PendingNotice
from .schedule import morning

UNSUBSCRIBE_SALT = "motmap.notifications.unsubscribe"
NOTICE_TEXT_MAX = max_length(PendingNotice, "text")
NOTICE_URL_MAX = max_length(PendingNotice, "url")


@dataclass
class Notice:
    """One thing to tell one member. `template` names templates/email/<template>.*; `text` is
    the one line used in digests; `url` is a site-relative link to the thing itself."""

    membership: Membership
    kind: str
    template: str
    text: str
    url: str
    context: dict[str, object] = field(default_factory=dict)


# --- settings ----------------------------------------------------------------------------------


def frequencies(memberships: Iterable[Membership]) -> dict[uuid.UUID, dict[str, str]]:
    """{membership_id: {kind: frequency}} for every kind, defaults filled in. One query."""
    memberships = list(memberships)
    result: dict[uuid.UUID, dict[str, str]] = {m.pk: dict(DEFAULTS[m.role]) for m in memberships}
    rows = NotificationSetting.objects.filter(membership__in=[m.pk for m in memberships])
    for membership_id, kind, frequency in rows.values_list("membership_id", "kind", "frequency"):
        result[membership_id][kind] = frequency
    return result


@transaction.atomic
def settings_update(*, actor: User, membership: Membership, choices: dict[str, str]) -> None:
    """Save a person's choices ({kind: frequency}). Only they may change them."""
    if membership.user_id != actor.pk:
        raise PermissionDenied
    for kind, frequency in choices.items():
        if kind not in Kind.values or frequency not in Frequency.values:
            raise ValueError(f"unknown kind or frequency: {kind!r} {frequency!r}")
        NotificationSetting.objects.update_or_create(
            membership=membership, kind=kind, defaults={"frequency": frequency}
        )


# --- unsubscribe -------------------------------------------------------------------------------


def unsubscribe_token(membership: Membership, kinds: Iterable[str]) -> str:
    return signing.dumps({"m": str(membership.pk), "k": sorted(kinds)}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[Membership, list[str]] | None:
    """(membership, kinds) for a valid token, else None (forged, altered, member removed)."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        kinds = [k for k in data["k"] if k in Kind.values]
        membership = Membership.objects.select_related("organisation", "user").get(pk=data["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, Membership.DoesNotExist):
        return None
    if not kinds:
        return None
    return membership, kinds


@transaction.atomic
def unsubscribe(token: str) -> tuple[Membership, list[str]] | None:
    """Turn the token's kinds off. Needs no login: the signature is the proof. None if invalid."""
    found = read_unsubscribe_token(token)
    if found is None:
        return None
    membership, kinds = found
    for kind in kinds:
        NotificationSetting.objects.update_or_create(
            membership=membership, kind=kind, defaults={"frequency": Frequency.OFF}
        )
    return membership, kinds


def unsubscribe_url(membership: Membership, kinds: Iterable[str]) -> str:
    return settings.SITE_URL + reverse("unsubscribe", args=[unsubscribe_token(membership, kinds)])


def _headers(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# --- delivery ----------------------------------------------------------------------------------


def next_digest_at(frequency: str, tz: tzinfo, now: datetime) -> datetime:
    """The next REMINDER_HOUR in `tz` (daily), or the next Monday at that hour (weekly)."""
    today = now.astimezone(tz).date()
    day = today
    if frequency == Frequency.WEEKLY:
        day = today + timedelta(days=(7 - today.weekday()) % 7)
    moment = morning(day, tz)
    while moment <= now:
        day += timedelta(days=7 if frequency == Frequency.WEEKLY else 1)
        moment = morning(day, tz)
    return moment


def deliver(notices: Iterable[Notice], *, now: datetime | None = None) -> None:
    """Send or keep each notice according to its recipient's setting. Fixed number of queries."""
    notices = list(notices)
    if not notices:
        return
    now = now or timezone.now()
    chosen = frequencies({n.membership.pk: n.membership for n in notices}.values())
    emails: list[OutboxEmail] = []
    pending: list[PendingNotice] = []
    for notice in notices:
        membership = notice.membership
        frequency = chosen[membership.pk][notice.kind]
        if frequency == Frequency.IMMEDIATELY:
            emails.append(_notice_email(notice))
        elif frequency in DIGESTS:
            org = membership.organisation
            pending.append(
                PendingNotice(
                    organisation=org,
                    membership=membership,
                    kind=notice.kind,
                    frequency=frequency,
                    text=notice.text[:NOTICE_TEXT_MAX],
                    url=notice.url[:NOTICE_URL_MAX],
                    created_at=now,
                    deliver_after=next_digest_at(frequency, org.tzinfo, now),
                )
            )
    outbox.queue_emails(emails)
    PendingNotice.objects.bulk_create(pending)


def _notice_email(notice: Notice) -> OutboxEmail:
    membership = notice.membership
    unsubscribe = unsubscribe_url(membership, [notice.kind])
    return outbox.render_email(
        to=membership.user.email,
        template=notice.template,
        organisation=membership.organisation,
        headers=_headers(unsubscribe),
        context={
            **notice.context,
            "recipient": membership.user,
            "notice": notice,
            "link": settings.SITE_URL + notice.url,
            "kind_label": Kind(notice.kind).label,
            "unsubscribe_url": unsubscribe,
            "settings_url": settings.SITE_URL
            + reverse("notification_settings", args=[membership.organisation.slug]),
        },
    )


# --- digests -----------------------------------------------------------------------------------


def send_due_digests(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Email every digest that is due. Returns the number of digest emails written."""
    now = now or timezone.now()
    batch_size = batch_size or settings.REMINDER_BATCH_SIZE
    written = 0
    while True:
        found, emails = _digest_batch(now, batch_size)
        written += emails
        if found < batch_size:
            return written


@transaction.atomic
def _digest_batch(now: datetime, batch_size: int) -> tuple[int, int]:
    due = PendingNotice.objects.filter(sent_at__isnull=True, deliver_after__lte=now)
    ids = list(due.order_by("deliver_after").values_list("pk", flat=True)[:batch_size])
    if not ids:
        return 0, 0
    token = uuid.uuid4()
    due.filter(pk__in=ids).update(claim=token)
    notices = PendingNotice.objects.filter(claim=token).select_related(
        "membership__user", "organisation"
    )
    groups: defaultdict[tuple[uuid.UUID, str], list[PendingNotice]] = defaultdict(list)
    for notice in notices.order_by("created_at"):
        groups[(notice.membership_id, notice.frequency)].append(notice)
    emails: list[OutboxEmail] = []
    for (_membership_id, frequency), items in groups.items():
        membership = items[0].membership
        if not membership.user.is_active:
            continue
        emails.append(_digest_email(membership, frequency, items))
    outbox.queue_emails(emails)
    PendingNotice.objects.filter(claim=token).update(sent_at=now, claim=None)
    return len(ids), len(emails)


def _digest_email(
    membership: Membership, frequency: str, items: Sequence[PendingNotice]
) -> OutboxEmail:
    kinds = sorted({item.kind for item in items})
    sections = [
        {"label": Kind(kind).label, "items": [i for i in items if i.kind == kind]}
        for kind in Kind.values
        if kind in kinds
    ]
    unsubscribe = unsubscribe_url(membership, kinds)
    return outbox.render_email(
        to=membership.user.email,
        template="digest",
        organisation=membership.organisation,
        headers=_headers(unsubscribe),
        context={
            "recipient": membership.user,
            "frequency": Frequency(frequency),
            "sections": sections,
            "count": len(items),
            "unsubscribe_url": unsubscribe,
            "settings_url": settings.SITE_URL
            + reverse("notification_settings", args=[membership.organisation.slug]),
            "link": settings.SITE_URL
            + reverse("organisation_home", args=[membership.organisation.slug]),
        },
    )
