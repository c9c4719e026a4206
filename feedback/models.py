"""The customer's verdict at a moment: a touchpoint opened for feedback, the answers, and the
daily roll-ups that pages read (never the raw answers).

No answer holds a person's address, browser or account. To limit repeats, an answer carries
a hash of (address, browser) with a salt of its day (`DailySalt`); salts and hashes of past
days are deleted by a beat task, so a hash cannot be matched to anyone afterwards.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ideas.models import Idea
from motmap.models import Organisation, OrgScopedQuerySet, UUIDModel
from touchpoints.models import RATING_SYMBOLS, Rating, Touchpoint

QUESTION_MAX_LENGTH = 200
REASON_MAX_LENGTH = 60
MAX_REASONS = 6
COMMENT_MAX_LENGTH = 500

# The faces, best last as on the scale; each with its symbol and a word in the customer's
# words (never colour alone).
FACE_WORDS = {
    -2: pgettext_lazy("feedback face", "Very bad"),
    -1: pgettext_lazy("feedback face", "Bad"),
    0: pgettext_lazy("feedback face", "OK"),
    1: pgettext_lazy("feedback face", "Good"),
    2: pgettext_lazy("feedback face", "Excellent"),
}
FACES = [(value, RATING_SYMBOLS[value], word) for value, word in FACE_WORDS.items()]


class Scale(models.TextChoices):
    """The scales of other survey tools whose scores can be imported (`SCALE_FACES`)."""

    CSAT = "csat", _("CSAT, 1 to 5")
    NPS = "nps", _("NPS, 0 to 10")
    FOUR_FACES = "four-faces", _("Four faces, 1 to 4 (a smiley terminal)")
    FACES = "faces", _("motmap's five faces, -2 to +2")


# Each scale's scores onto motmap's faces (-2 ... +2): shown beside the import so the mapping
# is never a surprise. NPS: detractors (0-6) bad or very bad, passives (7, 8) OK or good,
# promoters (9, 10) excellent. Four faces have no middle one.
SCALE_FACES: dict[str, dict[int, int]] = {
    Scale.CSAT: {1: -2, 2: -1, 3: 0, 4: 1, 5: 2},
    Scale.NPS: {0: -2, 1: -2, 2: -2, 3: -2, 4: -2, 5: -1, 6: -1, 7: 0, 8: 1, 9: 2, 10: 2},
    Scale.FOUR_FACES: {1: -2, 2: -1, 3: 1, 4: 2},
    Scale.FACES: {-2: -2, -1: -1, 0: 0, 1: 1, 2: 2},
}


class Channel(models.TextChoices):
    """How an answer arrived."""

    QR = "qr", _("QR code")
    LINK = "link", _("Link")
    KIOSK = "kiosk", _("Desk kiosk")
    API = "api", _("API")


class FeedbackPoint(UUIDModel):
    """A touchpoint opened for feedback: its question, the reasons offered after the tap, and
    the code of its cards and links (`token`, signed in the public address; rotating it retires
    every card printed before)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="feedback_points"
    )
    touchpoint = models.OneToOneField(
        Touchpoint, on_delete=models.CASCADE, related_name="feedback_point"
    )
    is_open = models.BooleanField(_("open for feedback"), default=True)
    question = models.CharField(
        _("question"),
        max_length=QUESTION_MAX_LENGTH,
        blank=True,
        help_text=_("Leave empty for “How was <moment> today?”"),
    )
    reasons = models.JSONField(_("reasons offered"), default=list, blank=True)
    # {language: {"question": ..., "reasons": [...]}}: the texts in the other languages
    # customers are asked in; reasons in the order of `reasons`, an empty one falls back.
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    token = models.CharField(max_length=32, unique=True, editable=False)
    kiosk_pause_seconds = models.PositiveSmallIntegerField(_("kiosk pause, seconds"), default=3)
    # Alerts: when the last `alert_answers` answers hold `alert_share_percent` or more of the
    # two bottom faces, or a comment comes with the bottom face. Each rule alerts once, then
    # again only after it has recovered (`*_alert_at` None) over `alert_answers` answers.
    alert_answers = models.PositiveSmallIntegerField(_("alert: over the last answers"), default=10)
    alert_share_percent = models.PositiveSmallIntegerField(
        _("alert: share of the two bottom faces, percent"), default=40
    )
    share_alert_at = models.DateTimeField(null=True, blank=True, editable=False)
    comment_alert_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = OrgScopedQuerySet.as_manager()

    def __str__(self):
        return str(self.touchpoint)


class FeedbackResponse(UUIDModel):
    """One answer: the face tapped, and maybe a reason and a comment. `counted` is False for a
    repeat (the same respondent and touchpoint within the repeat window): stored and shown as
    excluded, never in the figures."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="feedback_responses"
    )
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, related_name="feedback_responses"
    )
    submission_id = models.UUIDField(unique=True, editable=False)
    face = models.SmallIntegerField(choices=Rating.choices)
    reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)
    comment = models.TextField(blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.QR)
    language = models.CharField(max_length=10, blank=True)
    counted = models.BooleanField(default=True)
    day = models.DateField()  # in the organisation's time zone
    respondent = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    comment_read_at = models.DateTimeField(null=True, blank=True)
    # The idea a manager made of the comment (the action made of it points here instead).
    idea = models.ForeignKey(
        Idea, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["touchpoint", "respondent", "created_at"], name="feedback_repeat_idx"
            ),
            # The alert rules' windows: a touchpoint's latest answers, the last hour's.
            models.Index(fields=["touchpoint", "created_at"], name="feedback_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(face__gte=-2, face__lte=2), name="feedback_face_range"
            )
        ]

    def __str__(self):
        return f"{self.touchpoint}: {self.face}"


class FeedbackDay(models.Model):
    """The counted answers of one touchpoint on one day (organisation's time zone), per face
    (with those imported from other survey tools), how many were excluded as repeats, and how
    many posts were refused (429) as part of a burst from one address. Written in the
    answer's transaction by an upsert that adds to the counts, so they stay equal to the raw
    rows (and the imported days) under concurrency."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, related_name="feedback_days"
    )
    day = models.DateField()
    depresses = models.PositiveIntegerField(default=0, db_default=0)
    disappoints = models.PositiveIntegerField(default=0, db_default=0)
    neutral = models.PositiveIntegerField(default=0, db_default=0)
    pleases = models.PositiveIntegerField(default=0, db_default=0)
    wows = models.PositiveIntegerField(default=0, db_default=0)
    excluded = models.PositiveIntegerField(default=0, db_default=0)
    throttled = models.PositiveIntegerField(default=0, db_default=0)
    # Of the counted answers, how many were imported from other survey tools (FeedbackImport).
    imported = models.PositiveIntegerField(default=0, db_default=0)

    objects = OrgScopedQuerySet.as_manager()

    # The column of each face, -2 ... +2.
    FACE_FIELDS = {-2: "depresses", -1: "disappoints", 0: "neutral", 1: "pleases", 2: "wows"}

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "day"], name="feedback_one_day_row")
        ]

    def __str__(self):
        return f"{self.touchpoint} {self.day}"


class FeedbackReasonDay(models.Model):
    """How often a reason was chosen for one touchpoint on one day (counted answers only)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    reason = models.CharField(max_length=REASON_MAX_LENGTH)
    count = models.PositiveIntegerField(default=0, db_default=0)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["day", "reason"]
        constraints = [
            models.UniqueConstraint(
                fields=["touchpoint", "day", "reason"], name="feedback_one_reason_day_row"
            )
        ]

    def __str__(self):
        return f"{self.touchpoint} {self.day} {self.reason}"


class FeedbackImport(UUIDModel):
    """Scores brought in from another survey tool: who, when, on which scale, from what."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="feedback_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    scale = models.CharField(max_length=16, choices=Scale.choices)
    source = models.CharField(max_length=200, blank=True)  # the file's name, or "API"
    rows = models.PositiveIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0)
    days = models.PositiveIntegerField(default=0)  # touchpoint-days set
    days_replaced = models.PositiveIntegerField(default=0)  # of them, set by an earlier import

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.source or self.scale} {self.created_at:%Y-%m-%d}"


class FeedbackImportDay(models.Model):
    """What imports say of one touchpoint on one day, per face. A later import of the same
    touchpoint and day replaces it (so importing a file twice counts it once); the day's
    roll-up (FeedbackDay) holds it added to the answers given in motmap."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    depresses = models.PositiveIntegerField(default=0)
    disappoints = models.PositiveIntegerField(default=0)
    neutral = models.PositiveIntegerField(default=0)
    pleases = models.PositiveIntegerField(default=0)
    wows = models.PositiveIntegerField(default=0)
    feedback_import = models.ForeignKey(
        FeedbackImport, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "day"], name="feedback_one_import_day")
        ]

    def __str__(self):
        return f"{self.touchpoint} {self.day}"


class DailySalt(models.Model):
    """The salt of one day's respondent hashes (UTC day); deleted, with the hashes, once the
    day is over."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    def __str__(self):
        return str(self.day)
