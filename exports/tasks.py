"""Thin Celery tasks: exports.build makes the ZIP (never in a web worker)."""

from celery import shared_task

from . import build, services


@shared_task
def build_export(export_id):
    return build.export_build(export_id)


@shared_task
def build_waiting_exports():
    """The beat's sweep: build exports queued while the broker was away (or orphaned)."""
    built = 0
    for export_id in build.waiting_export_ids():
        built += build.export_build(export_id) is not None
    return built


@shared_task
def prune_expired_exports():
    """Daily: delete exports past their time, with their files."""
    return services.prune_expired_exports()
