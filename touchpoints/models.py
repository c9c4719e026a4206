"""Touchpoints (the moments of truth) and the history of what changed in them."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journeys.models import Journey, Stage
from motmap.models import Organisation, OrgScopedQuerySet, UUIDModel

MAX_CONTACTS_PER_DAY = 10_000_000
MAX_DURATION_SECONDS = 24 * 60 * 60


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    WEBSITE = "website", _("Website")
    APP = "app", _("App")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter or invoice")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social media")
    OTHER = "other", _("Other")


class Rating(models.IntegerChoices):
    DEPRESSES = -2, _("Depresses")
    DISAPPOINTS = -1, _("Disappoints")
    NEUTRAL = 0, _("Neutral")
    PLEASES = 1, _("Pleases")
    WOWS = 2, _("Wows")


# A symbol per rating, so a rating never depends on colour alone (screen, print, colour-blind).
RATING_SYMBOLS = {-2: "▼▼", -1: "▼", 0: "●", 1: "▲", 2: "★"}


class Habit(models.TextChoices):
    STROKES = "strokes", _("Give strokes")
    SURPRISE = "surprise", _("Surprise")
    LITTLE_THINGS = "little_things", _("Little things")
    ANTICIPATE = "anticipate", _("Anticipate")
    SAY_YES = "say_yes", _("Always say yes")
    TREAT_DIFFERENTLY = "treat_differently", _("Treat differently")
    TACT = "tact", _("Tact")


def habit_labels(keys):
    """The labels of habit keys, in the order given, unknown keys left out."""
    labels = dict(Habit.choices)
    return [labels[key] for key in keys or () if key in labels]


def _label(choices, value):
    """The label of `value` among `choices` (in the active language), or `value` if not one."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class TouchpointQuerySet(OrgScopedQuerySet):
    def in_customer_order(self):
        return self.order_by("stage__position", "position")


class Touchpoint(UUIDModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="touchpoints"
    )
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="touchpoints")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="touchpoints")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(_("name"), max_length=120)
    external_id = models.CharField(
        _("external ID"),
        max_length=100,
        blank=True,
        help_text=_("ID in your other systems, if any (the API's bulk feed finds it by this)."),
    )
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.IN_PERSON
    )
    moment = models.TextField(
        _("the moment"), blank=True, max_length=5000, help_text=_("What happens, as it happens.")
    )
    desired_outcome = models.TextField(
        _("desired outcome"),
        blank=True,
        max_length=10000,
        help_text=_("How we want this moment to be played out."),
    )
    customer_wants = models.TextField(
        _("what customers want"),
        blank=True,
        max_length=10000,
        help_text=_("What customers themselves told us they want to happen."),
    )
    rating_current = models.SmallIntegerField(
        _("rating now"), choices=Rating.choices, default=Rating.NEUTRAL
    )
    rating_target = models.SmallIntegerField(
        _("target rating"), choices=Rating.choices, default=Rating.WOWS
    )
    contacts_per_day = models.PositiveIntegerField(
        _("contacts per day"),
        default=0,
        validators=[MaxValueValidator(MAX_CONTACTS_PER_DAY)],
    )
    duration_seconds = models.PositiveIntegerField(
        _("typical duration (seconds)"),
        default=0,
        validators=[MaxValueValidator(MAX_DURATION_SECONDS)],
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_touchpoints",
    )
    frontline_role = models.CharField(
        _("front-line role"),
        max_length=120,
        blank=True,
        help_text=_("Who meets the customer here, e.g. “check-in agent”."),
    )
    habits = models.JSONField(_("habits"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TouchpointQuerySet.as_manager()

    # Set on the touchpoints of a journey map (touchpoints.selectors.journey_map): the place in
    # customer order, from 1, the same on the card and on the curve.
    number: int

    class Meta:
        ordering = ["journey", "stage__position", "position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating_current__gte=-2, rating_current__lte=2),
                name="touchpoint_rating_current_range",
            ),
            models.CheckConstraint(
                condition=models.Q(rating_target__gte=-2, rating_target__lte=2),
                name="touchpoint_rating_target_range",
            ),
            # The backstop of the rule in touchpoints.services: one external ID, one touchpoint.
            models.UniqueConstraint(
                fields=["organisation", "external_id"],
                condition=~models.Q(external_id=""),
                name="touchpoint_external_id_unique_per_org",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "journey"])]

    # Django's generated get_FOO_display hashes every choice's lazy label on each call; the
    # board, the curve and the pack call these for every touchpoint, so look the value up.
    def get_channel_display(self):
        return _label(Channel, self.channel)

    def get_rating_current_display(self):
        return _label(Rating, self.rating_current)

    def get_rating_target_display(self):
        return _label(Rating, self.rating_target)

    def __str__(self):
        return self.name

    @property
    def gap(self):
        return self.rating_target - self.rating_current

    @property
    def priority(self):
        """Volume x gap: where improving this moment gains the most."""
        return self.contacts_per_day * max(self.gap, 0)

    @property
    def habit_labels(self):
        return habit_labels(self.habits)

    @property
    def desired_outcome_first_line(self):
        text = (self.desired_outcome or "").strip()
        return text.splitlines()[0] if text else ""


class TouchpointChangeQuerySet(models.QuerySet):
    def for_org(self, org):
        return self.filter(touchpoint__organisation=org)


class TouchpointChange(UUIDModel):
    """One tracked field changed: who, when, old, new."""

    TRACKED_FIELDS = ("desired_outcome", "customer_wants", "rating_current", "rating_target")

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    field = models.CharField(max_length=40)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)

    objects = TouchpointChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self):
        return f"{self.touchpoint}: {self.field}"
