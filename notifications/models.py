"""What each person wants to hear about, and the notices waiting for their digest."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motmap.models import Membership, Organisation, Role, UUIDModel


class Kind(models.TextChoices):
    REMINDERS = "reminders", _("Review and action reminders")
    DECISIONS = "decisions", _("Decisions on my ideas")
    NEW_IDEAS = "new_ideas", _("New ideas on my touchpoints")
    COMMENTS = "comments", _("Comments on ideas I follow")
    FEEDBACK_ALERTS = "feedback", _("Alerts on customer feedback at my touchpoints")


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")
    OFF = "off", _("Off")


DIGESTS = (Frequency.DAILY, Frequency.WEEKLY)

# Managers get one weekly digest (new ideas awaiting decision, reviews due, overdue actions)
# rather than twenty emails a day; front-line staff hear at once about their own ideas.
DEFAULTS: dict[str, dict[str, str]] = {
    Role.OWNER: {
        Kind.REMINDERS: Frequency.WEEKLY,
        Kind.DECISIONS: Frequency.IMMEDIATELY,
        Kind.NEW_IDEAS: Frequency.WEEKLY,
        Kind.COMMENTS: Frequency.WEEKLY,
        Kind.FEEDBACK_ALERTS: Frequency.IMMEDIATELY,
    },
    Role.MANAGER: {
        Kind.REMINDERS: Frequency.WEEKLY,
        Kind.DECISIONS: Frequency.IMMEDIATELY,
        Kind.NEW_IDEAS: Frequency.WEEKLY,
        Kind.COMMENTS: Frequency.WEEKLY,
        Kind.FEEDBACK_ALERTS: Frequency.IMMEDIATELY,
    },
    Role.STAFF: {
        Kind.REMINDERS: Frequency.IMMEDIATELY,
        Kind.DECISIONS: Frequency.IMMEDIATELY,
        Kind.NEW_IDEAS: Frequency.DAILY,
        Kind.COMMENTS: Frequency.DAILY,
        Kind.FEEDBACK_ALERTS: Frequency.IMMEDIATELY,
    },
}


class NotificationSetting(UUIDModel):
    """A person's choice for one kind in one organisation. No row: the role's default."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="notification_settings"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    frequency = models.CharField(max_length=12, choices=Frequency.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "kind"], name="one_setting_per_kind"),
        ]

    def __str__(self):
        return f"{self.membership}: {self.kind} {self.frequency}"


class PendingNotice(UUIDModel):
    """A notice waiting for a digest. The digest sweep claims due rows, sends one email per
    person and frequency, and stamps them with the email that carried them."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="pending_notices"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    deliver_after = models.DateTimeField()
    claim = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["deliver_after"],
                condition=models.Q(sent_at__isnull=True),
                name="notice_digest_due",
            ),
        ]

    def __str__(self):
        return self.text


class CalendarFeed(UUIDModel):
    """A private iCalendar address for one person in one organisation: review dates of their
    journeys, due dates of their actions. The token is the secret; resetting it revokes."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self):
        return f"calendar of {self.membership}"
