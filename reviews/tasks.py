"""Thin Celery tasks: they call reviews.reminders."""

from celery import shared_task

from . import reminders


@shared_task
def send_due_reminders():
    return reminders.send_due_reminders()


@shared_task
def deliver_reminders():
    return reminders.deliver_reminders()
