"""Stored review packs: the PDF of a review meeting, kept as printed, and whole-organisation packs.

The PDF bytes live in the database (a BinaryField), not under var/: the web server and the
Celery worker may run on different machines (docker-compose gives them separate containers and
no shared volume for var/), the PDF is written in the same UPDATE that marks the pack done (so
there is never a "done" row without its file, or an orphan file), and a database backup holds
the packs with the reviews they belong to. A pack is a few hundred kilobytes; a quarter of
reviews is a few megabytes. Downloads go only through an org-checked view (packs.views).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journeys.models import Journey
from motmap.models import Organisation, OrgScopedQuerySet, UUIDModel


class PackKind(models.TextChoices):
    JOURNEY = "journey", _("One journey")
    ORGANISATION = "organisation", _("Whole organisation")


class PackStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class PaperSize(models.TextChoices):
    # The same values as Organisation.PaperSize, so `?paper=` and the setting agree.
    A4 = "A4", _("A4")
    LETTER = "letter", _("Letter")


class StoredPackQuerySet(OrgScopedQuerySet):
    def without_pdf(self):
        """Lists never load the PDF bytes."""
        return self.defer("pdf")


class StoredPack(UUIDModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="packs")
    # Empty for a whole-organisation pack.
    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, null=True, blank=True, related_name="packs"
    )
    # The review meeting this pack is the record of (one pack per review).
    review = models.ForeignKey(
        "reviews.Review", on_delete=models.CASCADE, null=True, blank=True, related_name="packs"
    )
    kind = models.CharField(max_length=12, choices=PackKind.choices, default=PackKind.JOURNEY)
    paper = models.CharField(max_length=10, choices=PaperSize.choices, default=PaperSize.A4)
    # A name to list the pack by, copied when it is made (the journey may be renamed later).
    title = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)

    objects = StoredPackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["review"],
                condition=models.Q(review__isnull=False),
                name="one_pack_per_review",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "kind", "created_at"])]

    def __str__(self):
        return self.title or str(self.pk)

    @property
    def is_ready(self):
        return self.status == PackStatus.DONE

    @property
    def is_pending(self):
        return self.status in (PackStatus.QUEUED, PackStatus.RUNNING)

    @property
    def percent(self):
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))
