"""Serializers of the v1 API: shapes and types only; the rules live in the services."""

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from feedback import selectors as feedback_selectors
from feedback.models import COMMENT_MAX_LENGTH, FeedbackImport, FeedbackResponse, Scale
from feedback.services import SCORE_COUNT_MAX, SCORE_IMPORT_MAX_ROWS
from ideas.models import Comment, Idea, IdeaStatus
from journeys.models import Journey, ReviewCadence, Stage
from motmap.models import Language
from reviews.models import Action, ActionStatus, Review, ReviewStatus
from reviews.services import CLOSING
from touchpoints.models import Channel, Habit, Rating, Touchpoint
from touchpoints.services import FEED_MAX_ROWS, FEED_VALUES, FeedValue

from .base import StrictSerializer

INT_MAX = 2_147_483_647
# What an integrator says of who answered (only its hash is kept, so no model field holds it).
RESPONDENT_MAX_LENGTH = 200


def _max_length(model, field):
    return model._meta.get_field(field).max_length


class MemberEmailField(serializers.EmailField):
    """A member of the organisation, by email (null for nobody). The org comes from the view."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value.email if value else None

    def run_validation(self, data=serializers.empty):
        email = super().run_validation(data)
        if email in (None, ""):
            return None
        user = (
            get_user_model()
            .objects.filter(memberships__organisation=self.context["org"], email__iexact=email)
            .first()
        )
        if user is None:
            raise serializers.ValidationError(_("No member of this organisation has this email."))
        return user


class OrgObjectField(serializers.UUIDField):
    """The id of an object of the organisation (another org's id: 'does not exist')."""

    def __init__(self, queryset_for_org, **kwargs):
        self.queryset_for_org = queryset_for_org
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        """The id of a foreign key, read without loading the object."""
        if len(self.source_attrs) == 1 and hasattr(instance, f"{self.source}_id"):
            return getattr(instance, f"{self.source}_id")
        return super().get_attribute(instance)

    def to_representation(self, value):
        return str(value.pk) if hasattr(value, "pk") else str(value)

    def run_validation(self, data=serializers.empty):
        pk = super().run_validation(data)
        if pk is None:  # null, where the field allows it
            return None
        obj = self.queryset_for_org(self.context["org"]).filter(pk=pk).first()
        if obj is None:
            raise serializers.ValidationError(_("There is no such object in this organisation."))
        return obj


class JourneySerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=_max_length(Journey, "name"))
    description = serializers.CharField(
        max_length=_max_length(Journey, "description"),
        allow_blank=True,
        required=False,
        trim_whitespace=False,
    )
    segment = serializers.CharField(
        max_length=_max_length(Journey, "segment"), allow_blank=True, required=False
    )
    owner = MemberEmailField()
    review_cadence = serializers.ChoiceField(choices=ReviewCadence.choices, required=False)
    review_every_weeks = serializers.IntegerField(
        min_value=1, max_value=104, allow_null=True, required=False
    )
    next_review_on = serializers.DateField(read_only=True, allow_null=True)
    archived_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class StageSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    journey = serializers.UUIDField(source="journey_id", read_only=True)
    name = serializers.CharField(max_length=_max_length(Stage, "name"))
    position = serializers.IntegerField(read_only=True)


class MoveSerializer(StrictSerializer):
    direction = serializers.ChoiceField(choices=[("up", "up"), ("down", "down")])


def _stages_of(org):
    return Stage.objects.for_org(org)


def _journeys_of(org):
    return Journey.objects.for_org(org)


class TouchpointSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    journey = OrgObjectField(_journeys_of)
    stage = OrgObjectField(_stages_of)
    position = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=_max_length(Touchpoint, "name"))
    external_id = serializers.CharField(
        max_length=_max_length(Touchpoint, "external_id"),
        allow_blank=True,
        required=False,
        help_text="ID in your other systems (unique in the organisation); the bulk feed uses it.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    moment = serializers.CharField(
        max_length=_max_length(Touchpoint, "moment"), allow_blank=True, required=False
    )
    desired_outcome = serializers.CharField(
        max_length=_max_length(Touchpoint, "desired_outcome"), allow_blank=True, required=False
    )
    customer_wants = serializers.CharField(
        max_length=_max_length(Touchpoint, "customer_wants"), allow_blank=True, required=False
    )
    rating_current = serializers.ChoiceField(choices=Rating.choices, required=False)
    rating_target = serializers.ChoiceField(choices=Rating.choices, required=False)
    contacts_per_day = serializers.IntegerField(min_value=0, max_value=INT_MAX, required=False)
    duration_seconds = serializers.IntegerField(min_value=0, max_value=INT_MAX, required=False)
    owner = MemberEmailField()
    frontline_role = serializers.CharField(
        max_length=_max_length(Touchpoint, "frontline_role"), allow_blank=True, required=False
    )
    habits = serializers.ListField(
        child=serializers.ChoiceField(choices=Habit.choices), required=False, max_length=20
    )
    version = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class TouchpointUpdateSerializer(TouchpointSerializer):
    """A touchpoint stays in its journey: `journey` is shown, not changed."""

    journey = serializers.UUIDField(source="journey_id", read_only=True)


def _feed_value_field(value: FeedValue) -> serializers.Field:
    if value.choices:
        return serializers.ChoiceField(choices=list(value.choices), required=False)
    return serializers.IntegerField(
        min_value=value.minimum, max_value=value.maximum, required=False
    )


class TouchpointFeedRowSerializer(serializers.Serializer):
    """One row of the bulk feed: a touchpoint's external ID and one or both values."""

    # Documentation only: the service checks every row (and lists every error of every row)
    # with touchpoints.services.FEED_VALUES, which these fields are built from.

    external_id = serializers.CharField(max_length=_max_length(Touchpoint, "external_id"))

    def get_fields(self):
        fields = super().get_fields()
        fields.update({value.name: _feed_value_field(value) for value in FEED_VALUES})
        return fields


class FeedRowsField(serializers.ListField):
    """A JSON list, passed on as it is: the service checks every row and lists every error."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return data


class TouchpointFeedSerializer(StrictSerializer):
    """The bulk feed: up to 10,000 rows; all or nothing; the same feed twice changes nothing."""

    rows = FeedRowsField(
        child=TouchpointFeedRowSerializer(),
        help_text=f"Up to {FEED_MAX_ROWS:,} rows, each with contacts_per_day, rating_current "
        "or both.",
    )


class TouchpointFeedResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


ROW_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "index": {"type": "integer", "description": "The row's position in `rows`, from 0."},
        "external_id": {"type": "string", "nullable": True},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["index", "external_id", "errors"],
}


@extend_schema_field(
    {
        "type": "array",
        "description": "One entry per bad row; a sentence when `rows` itself is wrong (missing, "
        "not a list, too many rows).",
        "items": {"oneOf": [ROW_ERROR_SCHEMA, {"type": "string"}]},
    }
)
class FeedRowErrorsField(serializers.ListField):
    pass


class FeedErrorsSerializer(serializers.Serializer):
    rows = FeedRowErrorsField(required=False)


class TouchpointFeedErrorSerializer(serializers.Serializer):
    """400: every bad row (or `rows` itself: not a list, too many); nothing was changed."""

    errors = FeedErrorsSerializer()
    detail = serializers.CharField()


class NoBodySerializer(serializers.Serializer):
    """An action that takes no body."""


# --- ideas ---------------------------------------------------------------------------------


def _touchpoints_of(org):
    return Touchpoint.objects.for_org(org).select_related("journey", "organisation")


def _ideas_of(org):
    return Idea.objects.for_org(org)


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A stored "" (no value) shown as null."""

    def to_representation(self, value):
        return super().to_representation(value) if value else None


class IdeaEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField(read_only=True)
    from_status = BlankAsNullChoiceField(
        choices=IdeaStatus.choices,
        read_only=True,
        allow_null=True,
        help_text="null for the submission",
    )
    to_status = serializers.ChoiceField(choices=IdeaStatus.choices, read_only=True)
    note = serializers.CharField(read_only=True)
    actor = MemberEmailField(
        read_only=True, help_text="null for an anonymous submission (or a deleted account)"
    )


class IdeaSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    number = serializers.IntegerField(read_only=True)
    touchpoint = OrgObjectField(_touchpoints_of)
    journey = serializers.UUIDField(source="touchpoint.journey_id", read_only=True)
    stage = serializers.UUIDField(source="touchpoint.stage_id", read_only=True)
    title = serializers.CharField(max_length=_max_length(Idea, "title"))
    today = serializers.CharField(
        max_length=_max_length(Idea, "today"), help_text="what happens today"
    )
    proposal = serializers.CharField(
        max_length=_max_length(Idea, "proposal"), help_text="the wow idea"
    )
    habits = serializers.ListField(
        child=serializers.ChoiceField(choices=Habit.choices), required=False, max_length=20
    )
    anonymous = serializers.BooleanField(
        source="is_anonymous",
        default=False,
        help_text="Store no author anywhere: nobody can tell who sent it, and it cannot be "
        "edited or withdrawn later.",
    )
    submission_token = serializers.UUIDField(
        required=False,
        allow_null=True,
        write_only=True,
        help_text="Any new UUID per idea: sending the same idea again with it creates nothing "
        "(200 with the idea sent before).",
    )
    author = MemberEmailField(read_only=True, help_text="null for an anonymous idea")
    status = serializers.ChoiceField(choices=IdeaStatus.choices, read_only=True)
    decision_note = serializers.CharField(read_only=True)
    duplicate_of = serializers.UUIDField(source="duplicate_of_id", read_only=True, allow_null=True)
    vote_count = serializers.IntegerField(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)
    has_voted = serializers.BooleanField(read_only=True, help_text="whether you voted for it")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    status_changed_at = serializers.DateTimeField(read_only=True)
    implemented_at = serializers.DateTimeField(read_only=True, allow_null=True)


class IdeaDetailSerializer(IdeaSerializer):
    events = IdeaEventSerializer(
        source="event_list", many=True, read_only=True, help_text="status history, oldest first"
    )


class IdeaUpdateSerializer(IdeaDetailSerializer):
    """The author changes the texts while the idea is new; the rest is shown, not changed."""

    touchpoint = serializers.UUIDField(source="touchpoint_id", read_only=True)
    anonymous = serializers.BooleanField(source="is_anonymous", read_only=True)
    submission_token = None


class IdeaStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=IdeaStatus.choices)
    note = serializers.CharField(
        max_length=_max_length(Idea, "decision_note"),
        allow_blank=True,
        required=False,
        default="",
        help_text="the reason: needed to decline; the author and the voters read it",
    )
    duplicate_of = OrgObjectField(
        _ideas_of,
        required=False,
        allow_null=True,
        help_text="the id of the original idea, for status duplicate",
    )


class VoteSerializer(serializers.Serializer):
    voted = serializers.BooleanField(read_only=True)
    vote_count = serializers.IntegerField(read_only=True)


class CommentSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    idea = serializers.UUIDField(source="idea_id", read_only=True)
    author = MemberEmailField(read_only=True)
    body = serializers.CharField(max_length=_max_length(Comment, "body"))
    by_manager = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)


# --- reviews and actions -------------------------------------------------------------------


class ReviewRatingSerializer(serializers.Serializer):
    touchpoint = serializers.UUIDField(
        source="touchpoint_id",
        read_only=True,
        allow_null=True,
        help_text="null once the touchpoint is deleted (its names are kept)",
    )
    position = serializers.IntegerField(read_only=True)
    stage_name = serializers.CharField(read_only=True)
    touchpoint_name = serializers.CharField(read_only=True)
    previous_rating = serializers.IntegerField(read_only=True, allow_null=True)
    rating = serializers.IntegerField(read_only=True, allow_null=True)
    target_rating = serializers.IntegerField(read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True)


class EmailsField(serializers.ListField):
    """People (a many-to-many, prefetched) as their emails."""

    child = serializers.EmailField()

    def to_representation(self, data):
        return [user.email for user in data.all()]


class ReviewSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    journey = serializers.UUIDField(source="journey_id", read_only=True)
    held_on = serializers.DateField(read_only=True)
    status = serializers.ChoiceField(choices=ReviewStatus.choices, read_only=True)
    attendees = EmailsField(read_only=True, help_text="the members who took part")
    guests = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    started_at = serializers.DateTimeField(read_only=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    next_review_on = serializers.DateField(read_only=True, allow_null=True)


class ReviewDetailSerializer(ReviewSerializer):
    ratings = ReviewRatingSerializer(source="rating_list", many=True, read_only=True)
    actions = serializers.ListField(
        child=serializers.UUIDField(),
        source="action_ids",
        read_only=True,
        help_text="the ids of the actions agreed in it",
    )


def _reviews_of(org):
    return Review.objects.for_org(org).select_related("journey", "organisation")


def _journeys_with_org(org):
    return Journey.objects.for_org(org).select_related("organisation")


class ActionSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    journey = OrgObjectField(
        _journeys_with_org, required=False, help_text="required unless `review` is given"
    )
    review = OrgObjectField(
        _reviews_of,
        required=False,
        allow_null=True,
        help_text="an open review the action is agreed in (its journey is the action's)",
    )
    touchpoint = OrgObjectField(
        _touchpoints_of, required=False, allow_null=True, help_text="a touchpoint of the journey"
    )
    title = serializers.CharField(max_length=_max_length(Action, "title"))
    owner = MemberEmailField(required=True, help_text="the member who owns it")
    due_on = serializers.DateField()
    status = serializers.ChoiceField(choices=ActionStatus.choices, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    created_by = MemberEmailField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ActionUpdateSerializer(ActionSerializer):
    """An action stays in its journey and review: they are shown, not changed."""

    journey = serializers.UUIDField(source="journey_id", read_only=True)
    review = serializers.UUIDField(source="review_id", read_only=True, allow_null=True)

    def validate(self, attrs):
        return attrs


class ActionCloseSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in CLOSING])


# --- customers' feedback ---------------------------------------------------------------------


class FeedbackPeriodSerializer(serializers.Serializer):
    """`from` and `to` (dates, both included); by default the last PERIOD_DAYS days."""

    MAX_DAYS = 400

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = serializers.DateField(required=False)
        self.fields["to"] = serializers.DateField(required=False)

    def validate(self, attrs):
        today = timezone.localdate()
        end = attrs.get("to") or today
        start = attrs.get("from") or feedback_selectors.period(end)[0]
        if start > end:
            raise serializers.ValidationError({"from": [_("Start on or before `to`.")]})
        if (end - start).days >= self.MAX_DAYS:
            raise serializers.ValidationError(
                {"from": [_("Ask for at most %(n)s days at a time.") % {"n": self.MAX_DAYS}]}
            )
        return {"start": start, "end": end}


class FacesSerializer(serializers.Serializer):
    very_bad = serializers.IntegerField(source="-2")
    bad = serializers.IntegerField(source="-1")
    ok = serializers.IntegerField(source="0")
    good = serializers.IntegerField(source="1")
    excellent = serializers.IntegerField(source="2")

    def to_representation(self, instance):
        return super().to_representation({str(k): v for k, v in instance.items()})


class ReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()


class FeedbackSummarySerializer(serializers.Serializer):
    """Customers' counted answers over the period, from the daily roll-ups."""

    touchpoint = serializers.UUIDField(source="touchpoint_id")
    touchpoint_name = serializers.CharField()
    answers = serializers.IntegerField(source="summary.answers")
    excluded = serializers.IntegerField(
        source="summary.excluded", help_text="answers excluded as repeats, not in the figures"
    )
    throttled = serializers.IntegerField(
        source="summary.throttled", help_text="posts refused (429) as a burst from one address"
    )
    faces = FacesSerializer(source="summary.faces")
    enough = serializers.BooleanField(
        source="summary.enough", help_text="enough answers for a figure (FEEDBACK_MIN_ANSWERS)"
    )
    mean = serializers.FloatField(source="summary.mean", allow_null=True, help_text="-2 … +2")
    interval = serializers.ListField(
        child=serializers.FloatField(),
        source="interval_list",
        allow_null=True,
        help_text="the 95% confidence interval of the mean",
    )
    top_two_share = serializers.FloatField(source="summary.top_two_share", allow_null=True)
    rating = serializers.IntegerField(
        source="summary.rating", allow_null=True, help_text="the mean rounded, with enough answers"
    )
    team_rating = serializers.IntegerField()
    customers_disagree = serializers.BooleanField()
    reasons = ReasonCountSerializer(many=True, source="reason_rows")


class FeedbackDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    faces = FacesSerializer()
    excluded = serializers.IntegerField()
    throttled = serializers.IntegerField()


class TouchpointFeedbackSerializer(FeedbackSummarySerializer):
    start = serializers.DateField(source="period_start")
    end = serializers.DateField(source="period_end")
    days = FeedbackDaySerializer(many=True)


class JourneyFeedbackSerializer(serializers.Serializer):
    journey = serializers.UUIDField(source="journey_id")
    start = serializers.DateField(source="period_start")
    end = serializers.DateField(source="period_end")
    touchpoints = FeedbackSummarySerializer(many=True)


class FeedbackCommentSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    touchpoint = serializers.UUIDField(source="touchpoint_id", read_only=True)
    face = serializers.IntegerField(read_only=True)
    reason = serializers.CharField(read_only=True)
    comment = serializers.CharField(read_only=True)
    channel = serializers.CharField(read_only=True)
    language = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    read_at = serializers.DateTimeField(source="comment_read_at", read_only=True)
    idea = serializers.UUIDField(source="idea_id", read_only=True, allow_null=True)


class FeedbackResponseSerializer(StrictSerializer):
    """An answer sent by an integrator's own kiosk or survey: the same rules, limits and
    idempotency as the customer's page."""

    id = serializers.UUIDField(read_only=True)
    submission_id = serializers.UUIDField(
        help_text="one per answer: the same id again is the answer already stored"
    )
    face = serializers.IntegerField(
        min_value=-2, max_value=2, help_text="-2 very bad … +2 excellent"
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=_max_length(FeedbackResponse, "reason")
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX_LENGTH)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    respondent = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=RESPONDENT_MAX_LENGTH,
        write_only=True,
        help_text="who answered, as your device or session knows them (kept only as a hash "
        "with the day's salt, for the repeat window); empty: every answer counts",
    )
    counted = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ScoreRowSerializer(serializers.Serializer):
    """One row of imported scores. Documentation only: feedback.services.scores_import checks
    every row (and lists every error of every row)."""

    external_id = serializers.CharField(help_text="the touchpoint's external ID")
    date = serializers.DateField(help_text="the day of the answers (YYYY-MM-DD), not in the future")
    score = serializers.IntegerField(help_text="a whole number on the import's scale")
    count = serializers.IntegerField(
        required=False, min_value=1, max_value=SCORE_COUNT_MAX, help_text="answers (default 1)"
    )


class ScoreImportSerializer(StrictSerializer):
    """Scores from another survey tool, mapped onto the faces; all or nothing."""

    scale = serializers.ChoiceField(
        choices=Scale.choices,
        help_text="csat: 1-5; nps: 0-10; four-faces: 1-4; faces: -2..+2 (the mapping: GET this)",
    )
    rows = FeedRowsField(
        child=ScoreRowSerializer(), help_text=f"Up to {SCORE_IMPORT_MAX_ROWS:,} rows."
    )
    source = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=_max_length(FeedbackImport, "source"),
        help_text="where the scores come from",
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="check and preview only: nothing is saved"
    )


class ScoreImportResultSerializer(serializers.Serializer):
    saved = serializers.BooleanField()
    id = serializers.UUIDField(allow_null=True, help_text="the import, once saved")
    rows = serializers.IntegerField()
    answers = serializers.IntegerField()
    touchpoints = serializers.IntegerField()
    days = serializers.IntegerField(help_text="touchpoint-days set")
    days_replaced = serializers.IntegerField(
        help_text="of them, imported before: replaced, not added"
    )
    faces = FacesSerializer()


class ScaleMappingSerializer(serializers.Serializer):
    scale = serializers.CharField()
    label = serializers.CharField()
    faces = serializers.DictField(
        child=serializers.IntegerField(), help_text="score -> face (-2 ... +2)"
    )
