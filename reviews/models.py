"""Review meetings, the rating of each moment in them, and the actions they agree.

A review is started by a manager, walked touchpoint by touchpoint, and completed: completing
freezes it (ratings snapshotted per touchpoint, next review date set) and it stays a record.
The reminder schedule itself lives on `Journey.next_reminder_at` and `Action.next_reminder_at`;
a reminder that has gone off waits as a `Reminder` row until it is told (see `reviews.reminders`).
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models import FeedbackResponse
from ideas.models import Idea, IdeaStatus
from journeys.models import Journey
from motmap.models import Organisation, OrgScopedQuerySet, UUIDModel
from touchpoints.models import Touchpoint


class ReviewStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class Review(UUIDModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="reviews")
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField(_("date of the review"))
    status = models.CharField(
        max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.IN_PROGRESS
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attendees"),
        blank=True,
        related_name="reviews_attended",
    )
    guests = models.TextField(
        _("guests"),
        blank=True,
        max_length=1000,
        help_text=_("People from outside motmap, e.g. “Anna from the call centre supplier”."),
    )
    summary = models.TextField(_("summary"), blank=True, max_length=10000)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The next review date set when this one was completed.
    next_review_on = models.DateField(null=True, blank=True, editable=False)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["journey"],
                condition=models.Q(status="in_progress"),
                name="one_open_review_per_journey",
            ),
        ]
        indexes = [models.Index(fields=["journey", "status", "held_on"])]

    def __str__(self):
        return f"{self.journey} – {self.held_on:%Y-%m-%d}"

    @property
    def is_completed(self):
        return self.status == ReviewStatus.COMPLETED


class ReviewRating(UUIDModel):
    """One moment of truth in one review: the rating it had, the rating given, what changed.

    The names are copied when the review is completed, so a completed review reads the same
    after the touchpoint is renamed, moved or deleted.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="review_ratings"
    )
    position = models.PositiveIntegerField(default=0)
    stage_name = models.CharField(max_length=80, blank=True)
    touchpoint_name = models.CharField(max_length=200, blank=True)
    previous_rating = models.SmallIntegerField(null=True, blank=True)
    rating = models.SmallIntegerField(_("rating now"), null=True, blank=True)
    target_rating = models.SmallIntegerField(null=True, blank=True)
    note = models.TextField(_("what changed"), blank=True, max_length=5000)

    # Set on the rows of a review page (reviews.selectors.review_page): the moment's name, the
    # ideas waiting for a decision there, the actions agreed and the ideas decided on it in the
    # meeting, its ratings in completed reviews [(held_on, rating)] and its sparkline's values.
    name: str
    waiting_ideas: list[Idea]
    agreed_actions: list["Action"]
    decisions: list["ReviewDecision"]
    trend: list[tuple[date, int | None]]
    spark: list[int | None]

    class Meta:
        ordering = ["review", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "touchpoint"], name="one_rating_per_touchpoint_per_review"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=-2, rating__lte=2),
                name="review_rating_range",
            ),
        ]

    def __str__(self):
        return f"{self.touchpoint_name} in {self.review}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


def overdue_q(today):
    """Open and due before `today` (the organisation's date)."""
    return models.Q(status=ActionStatus.OPEN, due_on__lt=today)


class ActionQuerySet(OrgScopedQuerySet):
    def open(self):
        return self.filter(status=ActionStatus.OPEN)

    def overdue(self, today):
        return self.filter(overdue_q(today))

    def with_is_overdue(self, today):
        """Each action with `is_overdue`, to filter and show in one query."""
        return self.annotate(
            is_overdue=models.ExpressionWrapper(
                overdue_q(today), output_field=models.BooleanField()
            )
        )


class Action(UUIDModel):
    """Something agreed in a review: what, who, by when."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="actions")
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="actions")
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    # The customer's comment the action was made from, if any.
    from_comment = models.ForeignKey(
        FeedbackResponse, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    title = models.CharField(_("what"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the next reminder is due (UTC); None when none is (done, dropped). See reminders.py.
    next_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [
            models.Index(
                fields=["next_reminder_at"],
                condition=models.Q(next_reminder_at__isnull=False),
                name="action_reminder_due",
            ),
            models.Index(fields=["organisation", "status", "due_on"]),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status == ActionStatus.OPEN


class ReviewDecision(UUIDModel):
    """A decision on an idea taken in a review meeting: part of the review's record.

    What was decided is copied (number, title, status, reason), so the record reads the same
    after the idea changes again or is deleted.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    idea = models.ForeignKey(
        "ideas.Idea", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idea_number = models.PositiveIntegerField()
    idea_title = models.CharField(max_length=200)
    from_status = models.CharField(max_length=16, blank=True, choices=IdeaStatus.choices)
    to_status = models.CharField(max_length=16, choices=IdeaStatus.choices)
    note = models.TextField(blank=True)
    duplicate_of_number = models.PositiveIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["review", "decided_at"]

    def __str__(self):
        return f"#{self.idea_number} {self.to_status} in {self.review}"


class Reminder(models.Model):
    """A review or action reminder that has gone off, waiting to be told to its people.

    The sweep writes one per journey or action it finds due, in the transaction that moves the
    item's schedule on; `reviews.reminders.deliver_reminders` (on the workers) finds who to
    tell, writes their emails or digest notices and deletes the row, in one transaction.
    """

    # A queue's own numbering (never shown): the sweep writes these rows with one INSERT ...
    # SELECT, so the database numbers them.
    id = models.BigAutoField(primary_key=True)
    # The journey's or the action's organisation is the reminder's: the row is gone once told.
    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The review's or the action's due date when it went off: once that date has moved (the
    # review was held, the action re-planned) the reminder is no longer true and is dropped.
    due_on = models.DateField()
    # The sweep's moment: the reminder says "due in 3 days" as of then, however late it is told.
    fired_at = models.DateTimeField()

    class Meta:
        ordering = ["fired_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(journey__isnull=False, action__isnull=True)
                | models.Q(journey__isnull=True, action__isnull=False),
                name="reminder_of_a_journey_or_an_action",
            ),
        ]

    def __str__(self):
        return f"reminder of {self.journey_id or self.action_id} due {self.due_on}"
