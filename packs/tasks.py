"""Thin Celery task: packs.services makes the PDF (never in a web worker for a whole org)."""

from celery import shared_task

from . import services


@shared_task
def build_stored_pack(pack_id):
    return services.build_stored_pack(pack_id)
