"""Journeys and their stages."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motmap.models import Organisation, OrgScopedQuerySet, UUIDModel


class ReviewCadence(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")
    WEEKS = "weeks", _("Every N weeks")


class JourneyQuerySet(OrgScopedQuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)


class Journey(UUIDModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="journeys"
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    segment = models.CharField(
        _("customer segment"),
        max_length=120,
        blank=True,
        help_text=_("Who makes this journey, e.g. “business traveller”."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_journeys",
    )
    review_cadence = models.CharField(
        _("review cadence"),
        max_length=12,
        choices=ReviewCadence.choices,
        default=ReviewCadence.QUARTERLY,
    )
    review_every_weeks = models.PositiveSmallIntegerField(
        _("every how many weeks"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(104)],
    )
    # The date the next review is due: computed from the last review held (or the creation)
    # and the cadence; managers may move it. See journeys.schedule.
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    # When the next review reminder goes out (UTC), None when no reminder is due (archived).
    # The sweep claims a journey with a conditional UPDATE on it. See reviews.reminders.
    next_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JourneyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("name"), name="journey_name_unique_in_org"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_reminder_at"],
                condition=models.Q(next_reminder_at__isnull=False),
                name="journey_reminder_due",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_archived(self):
        return self.archived_at is not None


class StageQuerySet(models.QuerySet):
    def for_org(self, org):
        return self.filter(journey__organisation=org)


class Stage(UUIDModel):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveIntegerField(default=0)

    objects = StageQuerySet.as_manager()

    class Meta:
        ordering = ["journey", "position"]

    def __str__(self):
        return self.name
