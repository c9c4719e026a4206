"""Webhook endpoints an owner registers, and the log of every delivery to them.

A delivery is one event for one endpoint. Its `event_id` is the same across retries and
replays (receivers dedupe on it). Retries live on the row (`next_attempt_at`, partial index),
swept by the beat; see webhooks.delivery.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motmap.models import Organisation, OrgScopedQuerySet, UUIDModel

SECRET_PREFIX = "whsec_"  # noqa: S105  (a marker, not a secret)


def new_secret():
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class Event(models.TextChoices):
    IDEA_CREATED = "idea.created", _("Idea created")
    IDEA_STATUS_CHANGED = "idea.status_changed", _("Idea status changed")
    REVIEW_COMPLETED = "review.completed", _("Review completed")
    ACTION_OVERDUE = "action.overdue", _("Action overdue")
    FEEDBACK_ALERT = "feedback.alert", _("Customers' feedback alert")
    PING = "ping", _("Test ping")


# The events an owner subscribes to (a ping is only ever sent on request).
SUBSCRIBABLE = [e for e in Event if e != Event.PING]


class WebhookEndpoint(UUIDModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=80, default=new_secret, editable=False)
    active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    secret_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Failure tracking: attempts that failed in a row, since when; reset by a success.
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["organisation", "active"])]

    def __str__(self):
        return self.url

    def subscribes_to(self, event):
        return event in (self.events or [])

    def event_labels(self):
        return [Event(e).label for e in self.events or [] if e in Event.values]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    # The last attempt failed; another is scheduled (next_attempt_at).
    FAILED = "failed", _("Failed, will retry")
    SUCCEEDED = "succeeded", _("Succeeded")
    GAVE_UP = "gave_up", _("Gave up")


class WebhookDeliveryQuerySet(models.QuerySet):
    def for_org(self, org):
        return self.filter(endpoint__organisation=org)

    def due(self, now):
        return self.filter(
            next_attempt_at__lte=now,
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        )


class WebhookDelivery(UUIDModel):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=Event.choices)
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    payload = models.JSONField(default=dict)
    replay_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replays"
    )
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt is due (also moved ahead while one is being sent: the claim).
    # None once the delivery succeeded or gave up.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    request_headers = models.JSONField(default=dict, blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(next_attempt_at__isnull=False),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class WebhookEventOnce(models.Model):
    """An event that must be emitted once per object (an action becoming overdue)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self):
        return self.key
