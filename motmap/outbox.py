"""Queue an email in the same transaction as the change that causes it.

`queue_email` writes an OutboxEmail row and, once the transaction commits, asks a Celery
task to send it. If the broker is down the row stays and the beat's `flush_outbox` sends
it later.

The guarantee is at least once, not exactly once. Every committed email is handed to the mail
server at least once, unless OUTBOX_MAX_ATTEMPTS attempts fail (the row is then marked failed).
`send_one` claims the row with a conditional UPDATE (for `claim_seconds()`), sends, and marks
it sent with another conditional UPDATE: a retry, the beat's sweep or a second worker never
sends an email that is marked sent, or one whose claim has not run out. But the send and the
mark cannot be one step, so an email whose outcome is lost is sent again:
- a worker that dies (or loses the database) after the mail server accepted the message and
  before the mark leaves a claim that runs out, and the next attempt sends it again (a
  database lost before the send leaves no claim: `claim` reads the email in the claim's own
  transaction, and nothing else touches the database until the mark);
- a connection that breaks after the server accepted the message and before it answered counts
  as a failed attempt, which is retried.
Every attempt carries the same `Message-ID` (`message_id`, made from the row's id), so the
receiving side can recognise the copy; the row is marked sent once, by the first attempt that
gets there. The claim lasts well beyond the slowest send that can still succeed (every SMTP
exchange taking its whole EMAIL_TIMEOUT), so a slow server alone never causes a second send.
"""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .enqueue import enqueue_on_commit
from .fields import max_length
from .models import Organisation, OutboxEmail

SEND_TASK = "motmap.tasks.send_outbox_email"
# One SMTP send is a handful of exchanges with the server (connect, EHLO, STARTTLS, EHLO, AUTH,
# MAIL, RCPT, DATA, the message, QUIT), each of which may take up to EMAIL_TIMEOUT seconds.
SMTP_EXCHANGES = 10
# A claim outlasts that many exchanges taking their whole timeout this many times over.
CLAIM_MARGIN = 2
MIN_CLAIM_SECONDS = 300


def claim_seconds() -> float:
    """How long a worker holds an email it is sending: comfortably longer than any send that
    can still succeed, so that only a dead worker's email is taken over. Needs EMAIL_TIMEOUT:
    without one a hung mail server would hold the worker past its claim."""
    timeout = settings.EMAIL_TIMEOUT
    if not timeout or timeout <= 0:
        raise ImproperlyConfigured(
            "EMAIL_TIMEOUT must be a number of seconds: the outbox's claim on an email "
            "must outlast the slowest send, or a hung mail server gets the email sent twice."
        )
    return max(MIN_CLAIM_SECONDS, CLAIM_MARGIN * SMTP_EXCHANGES * timeout)


def message_id(email: OutboxEmail) -> str:
    """The email's Message-ID, the same on every attempt (so a copy sent again after a worker
    died can be recognised), different for every row: `<outbox-<row id>@<domain>>`, the domain
    being DEFAULT_FROM_EMAIL's (else SITE_URL's host)."""
    _local, at, domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")
    if not at or not domain:
        domain = urlsplit(settings.SITE_URL).hostname or "motmap.localhost"
    return f"<outbox-{email.pk}@{domain}>"


def render_email(
    *,
    to: str,
    template: str,
    context: Mapping[str, object],
    organisation: Organisation | None = None,
    headers: Mapping[str, str] | None = None,
) -> OutboxEmail:
    """Render `templates/email/<template>.{subject.txt,txt,html}` into an unsaved OutboxEmail.

    Dates in an organisation's email are shown in its time zone, wherever it is queued from.
    Subjects and text bodies are plain text: their templates turn autoescaping off.
    """
    context = {"site_url": settings.SITE_URL, "organisation": organisation, **context}
    tz = organisation.tzinfo if organisation else timezone.get_current_timezone()
    with translation.override(settings.LANGUAGE_CODE), timezone.override(tz):
        subject = render_to_string(f"email/{template}.subject.txt", context)
        text = render_to_string(f"email/{template}.txt", context)
        html = render_to_string(f"email/{template}.html", context)
    return OutboxEmail(
        organisation=organisation,
        to=to,
        subject=" ".join(subject.split())[: max_length(OutboxEmail, "subject")],
        body_text=text,
        body_html=html,
        headers=headers or {},
    )


def queue_email(
    *,
    to: str,
    template: str,
    context: Mapping[str, object],
    organisation: Organisation | None = None,
    headers: Mapping[str, str] | None = None,
) -> OutboxEmail:
    """Render one email and queue it (see render_email)."""
    email = render_email(
        to=to, template=template, context=context, organisation=organisation, headers=headers
    )
    return queue_emails([email])[0]


def queue_emails(emails: Sequence[OutboxEmail]) -> list[OutboxEmail]:
    """Write rendered emails in one INSERT; each is handed to the worker after the commit."""
    emails = OutboxEmail.objects.bulk_create(emails)
    for email in emails:
        enqueue_on_commit(SEND_TASK, str(email.pk), sweep="flush_outbox")
    return emails


def claim(email_id: uuid.UUID | str) -> OutboxEmail | None:
    """Claim an unsent email for `claim_seconds()` and read it: the email, or None when another
    caller has it (or it is sent, or given up).

    The claim and the reading are one transaction: a database lost between them undoes the
    claim, so the retry sends the email at once instead of after the claim has run out. From
    here to `mark_sent` nothing touches the database but the send itself."""
    now = timezone.now()
    until = now + timedelta(seconds=claim_seconds())
    with transaction.atomic():
        won = (
            _waiting(now)
            .filter(pk=email_id)
            .update(claimed_until=until, attempts=F("attempts") + 1)
        )
        return OutboxEmail.objects.get(pk=email_id) if won else None


def mark_sent(email_id: uuid.UUID | str) -> bool:
    """Mark a sent email, once: the conditional UPDATE leaves a row another attempt marked."""
    return bool(
        OutboxEmail.objects.filter(pk=email_id, sent_at__isnull=True).update(
            sent_at=timezone.now(), claimed_until=None, last_error=""
        )
    )


def send_one(email_id: uuid.UUID | str) -> bool:
    """Send one outbox email if nobody else is. Raises on a transport error (for retries).

    At least once, not exactly once: see the module's docstring."""
    email = claim(email_id)
    if email is None:
        return False
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={**(email.headers or {}), "Message-ID": message_id(email)},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except Exception as exc:
        failed = email.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        OutboxEmail.objects.filter(pk=email_id, sent_at__isnull=True).update(
            claimed_until=None,
            last_error=str(exc)[:2000],
            failed_at=timezone.now() if failed else None,
        )
        raise
    # A worker that dies here has sent the email without marking it: it goes again, with the
    # same Message-ID, once the claim runs out.
    mark_sent(email_id)
    return True


def pending_ids(limit: int = 200) -> list[uuid.UUID]:
    now = timezone.now()
    return list(_waiting(now).order_by("created_at").values_list("pk", flat=True)[:limit])


def _waiting(now: datetime) -> QuerySet[OutboxEmail]:
    """Emails neither sent nor given up, and claimed by nobody (or by a claim that ran out)."""
    return OutboxEmail.objects.filter(sent_at__isnull=True, failed_at__isnull=True).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def failed(organisation: Organisation) -> QuerySet[OutboxEmail]:
    """The organisation's emails that ran out of attempts (its owners may send them again)."""
    return OutboxEmail.objects.filter(
        organisation=organisation, failed_at__isnull=False, sent_at__isnull=True
    ).order_by("-failed_at")


def resend(email_id: uuid.UUID | str) -> bool:
    """Give a failed email a new set of attempts and hand it to the worker after the commit.
    False when it is not failed (sent meanwhile, or already sent again)."""
    again = OutboxEmail.objects.filter(
        pk=email_id, failed_at__isnull=False, sent_at__isnull=True
    ).update(failed_at=None, attempts=0, claimed_until=None, last_error="")
    if again:
        enqueue_on_commit(SEND_TASK, str(email_id), sweep="flush_outbox")
    return bool(again)


def prune_sent(*, older_than: timedelta) -> int:
    """Delete emails sent longer ago than `older_than` (RETENTION_DAYS): the outbox is a queue,
    not an archive. Waiting and failed ones stay."""
    deleted, _ = OutboxEmail.objects.filter(sent_at__lt=timezone.now() - older_than).delete()
    return deleted
