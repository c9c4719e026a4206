"""Serializers of the v1 API: shapes and types only; the rules live in the services."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from journeys.models import Journey, ReviewCadence, Stage
from touchpoints.models import MAX_CONTACTS_PER_DAY, Channel, Habit, Rating, Touchpoint
from touchpoints.services import FEED_MAX_ROWS

from .base import StrictSerializer

INT_MAX = 2_147_483_647


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
        # The id from `<field>_id`, without loading the object: one query less per item.
        attname = f"{self.source}_id"
        if "." not in self.source and hasattr(instance, attname):
            return getattr(instance, attname)
        return super().get_attribute(instance)

    def to_representation(self, value):
        return str(value.pk) if hasattr(value, "pk") else str(value)

    def run_validation(self, data=serializers.empty):
        pk = super().run_validation(data)
        obj = self.queryset_for_org(self.context["org"]).filter(pk=pk).first()
        if obj is None:
            raise serializers.ValidationError(_("There is no such object in this organisation."))
        return obj


class JourneySerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=_max_length(Journey, "name"))
    description = serializers.CharField(
        max_length=5000, allow_blank=True, required=False, trim_whitespace=False
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
        max_length=_max_length(Touchpoint, "external_id"), allow_blank=True, required=False,
        help_text="ID in your other systems (unique in the organisation); the bulk feed uses it.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    moment = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    desired_outcome = serializers.CharField(max_length=10000, allow_blank=True, required=False)
    customer_wants = serializers.CharField(max_length=10000, allow_blank=True, required=False)
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


class TouchpointFeedRowSerializer(serializers.Serializer):
    """One row of the bulk feed: a touchpoint's external ID and one or both values."""

    external_id = serializers.CharField(max_length=_max_length(Touchpoint, "external_id"))
    contacts_per_day = serializers.IntegerField(
        min_value=0, max_value=MAX_CONTACTS_PER_DAY, required=False
    )
    rating_current = serializers.ChoiceField(choices=Rating.choices, required=False)


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
