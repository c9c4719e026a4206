"""Organisations, people and their roles, invitations, and the email outbox."""

import uuid
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UUIDModel(models.Model):
    """Opaque ids: nothing in a URL tells how many rows there are."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class OrgScopedQuerySet(models.QuerySet):
    """Organisation data: every query for it starts from the organisation."""

    def for_org(self, org):
        return self.filter(organisation=org)


class EmailUserManager(UserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person. They log in with their email address."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []
    objects = EmailUserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.full_name or self.email.split("@")[0]


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class Language(models.TextChoices):
    """The languages customers are asked in (feedback pages), each named in itself, as a
    language switch shows them."""

    EN = "en", "English"
    SV = "sv", "Svenska"
    NB = "nb", "Norsk (bokmål)"
    DA = "da", "Dansk"
    FI = "fi", "Suomi"


class Organisation(UUIDModel):
    class PaperSize(models.TextChoices):
        A4 = "A4", _("A4")
        LETTER = "letter", _("Letter")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Stockholm", validators=[validate_time_zone]
    )
    paper_size = models.CharField(
        _("paper size"), max_length=10, choices=PaperSize.choices, default=PaperSize.A4
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("first review reminder, days before"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_(
            "Reminders go out this many days before a review is due, on the day, "
            "then weekly while it is overdue, at 08:00 in the organisation’s time zone."
        ),
    )
    language = models.CharField(
        _("customers' language"),
        max_length=10,
        choices=Language.choices,
        default=Language.EN,
        help_text=_(
            "Feedback pages are in this language when a customer's browser asks for none of "
            "ours. Write each touchpoint's question and reasons in it."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.time_zone)


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff")


EDITOR_ROLES = (Role.OWNER, Role.MANAGER)


class MembershipQuerySet(models.QuerySet):
    def owners(self):
        return self.filter(role=Role.OWNER)

    def editors(self):
        return self.filter(role__in=EDITOR_ROLES)


class Membership(UUIDModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # When the person last switched to this organisation: home sends them back to it,
    # even after logging out and in again.
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_org"),
        ]

    def __str__(self):
        return f"{self.user} in {self.organisation} ({self.get_role_display()})"

    @property
    def is_owner(self):
        return self.role == Role.OWNER

    @property
    def can_edit(self):
        return self.role in EDITOR_ROLES


def invitation_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(UUIDModel):
    """An emailed, single-use, expiring link to join an organisation with a role.

    Only a hash of the token is stored: a leaked table does not let anyone join.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(default=invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organisation} ({self.role})"

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()


class OutboxEmail(UUIDModel):
    """An email written in the same transaction as the change that causes it.

    A task sends it (with retries), at least once: it is claimed and then marked sent with
    conditional UPDATEs, so a retry, the sweep or a second worker never sends a row that is
    marked sent or claimed; an attempt whose outcome is lost is sent again once its claim runs
    out, with the same Message-ID (see motmap/outbox.py).
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    to = models.EmailField()
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Extra headers, e.g. List-Unsubscribe.
    headers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_unsent_idx",
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.subject} → {self.to}"


class AuditEntryQuerySet(models.QuerySet):
    """Entries are written once (`motmap.audit.record`) and never changed: an update through
    the ORM raises. They go only with their organisation, or by the retention prune."""

    def update(self, **kwargs):
        raise TypeError("Audit entries cannot be changed.")

    def delete(self):
        raise TypeError("Audit entries are only pruned (motmap.audit.prune).")


class AuditEntry(UUIDModel):
    """One change in an organisation: who (and through which API token), when, what, and the
    old and new values of the fields that matter. Written in the transaction of the change."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="audit_entries"
    )
    at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The name when it happened; emptied when the person's account is deleted ("former member").
    actor_name = models.CharField(max_length=255, blank=True)
    # The API token the change came through ("" for the web pages): its name and id, kept as
    # text so that a revoked or deleted token still reads in the log.
    via_token = models.CharField(max_length=120, blank=True)
    token_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=60)  # "<area>.<verb>", e.g. "touchpoint.updated"
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    # {"field": [old, new]} for an update; other facts ({"rows": 120}) for other actions.
    changes = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["organisation", "-at"], name="audit_org_at_idx")]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are only pruned (motmap.audit.prune).")

    @property
    def area(self):
        return self.action.partition(".")[0]
