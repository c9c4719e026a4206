"""Thin Celery tasks: they call webhooks.delivery."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import delivery


@shared_task(acks_late=True)
def send_webhook(delivery_id):
    """One attempt of one delivery (a failure schedules the next on the row, for the sweep)."""
    return delivery.send_one(delivery_id)


@shared_task
def send_due_webhooks():
    """Hand every due delivery to the workers (first attempts the broker missed, and retries)."""
    ids = delivery.due_ids()
    for delivery_id in ids:
        send_webhook.delay(str(delivery_id))
    return len(ids)


@shared_task
def prune_old_deliveries():
    """Daily: finished deliveries older than RETENTION_DAYS."""
    return delivery.prune_finished(older_than=timedelta(days=settings.RETENTION_DAYS))
