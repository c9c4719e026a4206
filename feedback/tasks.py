"""Thin Celery tasks of customers' feedback."""

from celery import shared_task

from . import services


@shared_task
def forget_feedback_respondents():
    """The beat's task: salts and respondent hashes of past days are deleted."""
    return services.forget_respondents()
