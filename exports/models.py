"""An organisation's export: everything of it in one ZIP file, made by a Celery task.

Like a stored pack's PDF (packs.models), the ZIP lives in the database (a BinaryField): web and
worker need not share a disk, the file is written in the same UPDATE that marks the export
ready, and it goes with the organisation when that is deleted. A ready export can be downloaded
by the organisation's owners until `expires_at` (`services.KEEP_DAYS` after it was made); a daily
beat task deletes expired rows with their files (`exports.services.prune_expired_exports`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motmap.models import Organisation, OrgScopedQuerySet, UUIDModel


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being made")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class OrganisationExportQuerySet(OrgScopedQuerySet):
    def without_file(self):
        """Lists never load the ZIP's bytes."""
        return self.defer("file")

    def downloadable(self, now=None):
        return self.filter(status=ExportStatus.READY, expires_at__gt=now or timezone.now())


class OrganisationExport(UUIDModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    # Steps of the build (reading the organisation, then one per file written): the page shows
    # "step 3 of 31" and a progress bar.
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    file = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    # finished_at + services.KEEP_DAYS: from then on the file is gone for everyone (404), and the
    # daily prune deletes the row.
    expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)

    objects = OrganisationExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organisation", "created_at"]),
            models.Index(fields=["expires_at"], name="export_expiry"),
        ]

    def __str__(self):
        return f"{self.organisation_id} {self.created_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_pending(self):
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @property
    def is_ready(self):
        return self.status == ExportStatus.READY

    def is_expired(self, now=None):
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def percent(self):
        if self.status == ExportStatus.READY:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))
