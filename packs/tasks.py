"""Thin Celery task: packs.services makes the PDF (never in a web worker for a whole org)."""

from celery import shared_task

from . import services


@shared_task
def build_stored_pack(pack_id):
    return services.stored_pack_build(pack_id)


@shared_task
def build_waiting_packs():
    """The beat's sweep: build packs queued while the broker was away (or orphaned)."""
    built = 0
    for pack_id in services.waiting_pack_ids():
        built += services.stored_pack_build(pack_id) is not None
    return built
