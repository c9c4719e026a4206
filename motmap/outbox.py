"""Queue an email in the same transaction as the change that causes it.

`queue_email` writes an OutboxEmail row and, once the transaction commits, asks a Celery
task to send it. If the broker is down the row stays and the beat's `flush_outbox` sends
it later. `send_one` claims the row with a conditional UPDATE before sending and marks it
sent with another, so a retry or two workers never send one email twice.
"""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .enqueue import enqueue_on_commit
from .models import OutboxEmail

CLAIM_SECONDS = 300
SEND_TASK = "motmap.tasks.send_outbox_email"


def render_email(*, to, template, context, organisation=None, headers=None):
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
        subject=" ".join(subject.split())[:255],
        body_text=text,
        body_html=html,
        headers=headers or {},
    )


def queue_email(*, to, template, context, organisation=None, headers=None):
    """Render one email and queue it (see render_email)."""
    email = render_email(
        to=to, template=template, context=context, organisation=organisation, headers=headers
    )
    return queue_emails([email])[0]


def queue_emails(emails):
    """Write rendered emails in one INSERT; each is handed to the worker after the commit."""
    emails = OutboxEmail.objects.bulk_create(emails)
    for email in emails:
        enqueue_on_commit(SEND_TASK, str(email.pk), sweep="flush_outbox")
    return emails


def claim(email_id):
    """Claim an unsent email for CLAIM_SECONDS. True when this caller won it."""
    now = timezone.now()
    return bool(
        OutboxEmail.objects.filter(pk=email_id, sent_at__isnull=True, failed_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1)
    )


def send_one(email_id):
    """Send one outbox email if nobody else is. Raises on a transport error (for retries)."""
    if not claim(email_id):
        return False
    email = OutboxEmail.objects.get(pk=email_id)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers=email.headers or None,
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
    OutboxEmail.objects.filter(pk=email_id, sent_at__isnull=True).update(
        sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return True


def pending_ids(limit=200):
    now = timezone.now()
    return list(
        OutboxEmail.objects.filter(sent_at__isnull=True, failed_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
