"""Thin Celery tasks: they call motmap.outbox."""

import logging
from datetime import timedelta
from importlib import import_module

from celery import shared_task
from django.conf import settings

from . import audit, outbox

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True)
def send_outbox_email(self, email_id):
    try:
        outbox.send_one(email_id)
    except Exception as exc:
        # 30 s, 1 min, 2 min, 4 min ... (exponential backoff), OUTBOX_MAX_ATTEMPTS tries in all;
        # the row itself is failed once it has had that many (motmap.outbox.send_one).
        raise self.retry(
            exc=exc,
            countdown=30 * 2**self.request.retries,
            max_retries=settings.OUTBOX_MAX_ATTEMPTS - 1,
        ) from exc


@shared_task
def flush_outbox():
    """Send every email still waiting (the broker was down, a worker died)."""
    sent = 0
    for email_id in outbox.pending_ids():
        try:
            sent += bool(outbox.send_one(email_id))
        except Exception:
            logger.exception("Outbox email %s failed; it will be retried.", email_id)
    return sent


@shared_task
def prune_old_rows():
    """Daily: sent emails older than RETENTION_DAYS, audit entries older than
    AUDIT_RETENTION_DAYS, and sessions that have expired."""
    emails = outbox.prune_sent(older_than=timedelta(days=settings.RETENTION_DAYS))
    audit.prune(older_than=timedelta(days=settings.AUDIT_RETENTION_DAYS))
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return emails
