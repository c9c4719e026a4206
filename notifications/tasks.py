"""Thin Celery tasks: they call notifications.services."""

from celery import shared_task

from . import services


@shared_task
def send_due_digests():
    return services.send_due_digests()
