"""Building an export, in the worker: claim the row, write the ZIP, report progress on the row.

The task (`exports.tasks.build_export`) claims the row with a conditional UPDATE, so a retried or
doubled task builds it once; each step of `exports.writer` is written on the row as it is done
(the page shows "step 3 of 31"), and the ZIP is stored in the row's last UPDATE, with the status
"ready", so there is never a ready row without its file. An export still queued a minute later
(the broker was away) or left running by a dead worker is built by the beat's sweep
(`waiting_export_ids`, `exports.tasks.build_waiting_exports`).

Not a service module: the spreadsheets are written by the apps' CSV writers, which live beside
their import forms (`touchpoints.csv_io`).
"""

import logging
import uuid
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import writer
from .models import ExportStatus, OrganisationExport
from .services import KEEP_DAYS

logger = logging.getLogger(__name__)

# Being built for longer than this: the worker died, and the export may be claimed again.
STALE_AFTER = timedelta(minutes=30)
# Queued and not started after this long: the broker was away; the beat's sweep builds it.
WAITING_AFTER = timedelta(minutes=1)


def waiting_export_ids(now: datetime | None = None, *, limit: int = 10) -> list[str]:
    """Exports no worker took: queued a while ago, or left running by a worker that died."""
    now = now or timezone.now()
    waiting = Q(status=ExportStatus.QUEUED, created_at__lt=now - WAITING_AFTER) | Q(
        status=ExportStatus.RUNNING, started_at__lt=now - STALE_AFTER
    )
    return [
        str(pk)
        for pk in OrganisationExport.objects.filter(waiting)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    ]


def _claim(export_id: uuid.UUID | str, now: datetime) -> int:
    """Take the export for this worker: queued, or left running by a dead worker."""
    claimable = Q(status=ExportStatus.QUEUED) | Q(
        status=ExportStatus.RUNNING, started_at__lt=now - STALE_AFTER
    )
    return OrganisationExport.objects.filter(claimable, pk=export_id).update(
        status=ExportStatus.RUNNING, started_at=now, error="", progress_done=0, progress_total=0
    )


def export_build(
    export_id: uuid.UUID | str, *, now: datetime | None = None
) -> uuid.UUID | str | None:
    """Write the ZIP of a queued export, its progress on the row as it goes. Idempotent: an
    export that is ready, failed or being built by a live worker is left alone."""
    now = now or timezone.now()
    if not _claim(export_id, now):
        return None
    export = (
        OrganisationExport.objects.without_file().select_related("organisation").get(pk=export_id)
    )
    running = OrganisationExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        running.update(progress_done=done, progress_total=total)

    try:
        content = writer.export_zip(export.organisation, exported_at=now, progress=progress)
    except Exception as exc:
        logger.exception("organisation export %s failed", export_id)
        finished = timezone.now()
        running.update(
            status=ExportStatus.FAILED,
            error=_("The export could not be made (%(error)s).") % {"error": type(exc).__name__},
            finished_at=finished,
            expires_at=finished + timedelta(days=KEEP_DAYS),
        )
        return None
    finished = timezone.now()
    running.update(
        status=ExportStatus.READY,
        file=content,
        size=len(content),
        finished_at=finished,
        expires_at=finished + timedelta(days=KEEP_DAYS),
    )
    return export_id
