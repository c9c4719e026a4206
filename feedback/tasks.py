"""Thin Celery tasks of customers' feedback."""

from celery import shared_task

from . import services


@shared_task
def forget_feedback_respondents():
    """The beat's task: salts and respondent hashes of past days are deleted."""
    return services.forget_respondents()


@shared_task
def forget_feedback_comments():
    """The beat's task: the text of comments older than FEEDBACK_COMMENT_DAYS is deleted."""
    return services.forget_comments()
