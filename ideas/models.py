"""Front-line "wow" ideas for a touchpoint, their votes, comments and status history.

Anonymous ideas store no author anywhere: not on the idea, not in its events.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motmap.models import Organisation, OrgScopedQuerySet, UUIDModel
from touchpoints.models import Touchpoint, habit_labels

TITLE_MAX = 120
TEXT_MAX = 5000
COMMENT_MAX = 5000


class IdeaStatus(models.TextChoices):
    NEW = "new", _("New")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", _("Implemented")
    DECLINED = "declined", _("Declined")
    DUPLICATE = "duplicate", _("Duplicate")


OPEN_STATUSES = (
    IdeaStatus.NEW,
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.ACCEPTED,
    IdeaStatus.IN_PROGRESS,
)
WAITING_STATUSES = (IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW)  # waiting for a decision


class IdeaQuerySet(OrgScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def waiting(self):
        return self.filter(status__in=WAITING_STATUSES)


class Idea(UUIDModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="ideas")
    number = models.PositiveIntegerField(
        _("number"), help_text=_("Numbered per organisation: #1, #2, ...")
    )
    touchpoint = models.ForeignKey(
        Touchpoint, verbose_name=_("touchpoint"), on_delete=models.PROTECT, related_name="ideas"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ideas",
        help_text=_("Empty for an anonymous idea: nobody can tell who wrote it."),
    )
    title = models.CharField(_("short title"), max_length=TITLE_MAX)
    today = models.TextField(_("what happens today"), max_length=TEXT_MAX)
    proposal = models.TextField(_("your wow idea"), max_length=TEXT_MAX)
    habits = models.JSONField(_("habits"), default=list, blank=True)
    # Made by a manager from a customer's comment at the moment (it has no author).
    from_customer = models.BooleanField(_("from a customer"), default=False)
    # The author deleted their account: the idea stays, shown as a former member's.
    author_left = models.BooleanField(default=False, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=IdeaStatus.choices, default=IdeaStatus.NEW
    )
    decision_note = models.TextField(_("reason"), blank=True, max_length=TEXT_MAX)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    vote_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    submission_token = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    status_changed_at = models.DateTimeField(default=timezone.now)
    implemented_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IdeaQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="idea_number_per_org"),
            models.CheckConstraint(
                condition=~models.Q(duplicate_of=models.F("id")),
                name="idea_not_duplicate_of_itself",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "created_at"]),
            models.Index(fields=["organisation", "vote_count"]),
        ]

    def __str__(self):
        return f"#{self.number} {self.title}"

    @property
    def is_anonymous(self):
        return self.author_id is None and not self.author_left

    @property
    def habit_labels(self):
        return habit_labels(self.habits)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES


class Vote(UUIDModel):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "user"], name="one_vote_per_member"),
        ]


class Comment(UUIDModel):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=COMMENT_MAX)
    by_manager = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]


class IdeaEvent(UUIDModel):
    """A status change: who, when, from, to, why. `actor` is empty for an anonymous submission."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=16, blank=True, choices=IdeaStatus.choices)
    to_status = models.CharField(max_length=16, choices=IdeaStatus.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at"]
