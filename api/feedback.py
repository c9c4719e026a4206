"""The v1 API of customers' feedback: summaries per touchpoint (with the daily series) and per
journey, the comments, and an answer sent by an integrator's own kiosk or survey (the same
rules, limits and idempotency as the customer's page: feedback.services.response_record), and
scores imported from other survey tools (feedback.services.scores_import, as the page does)."""

import django_filters
from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from feedback import selectors as feedback_selectors
from feedback import services as feedback_services
from feedback.models import (
    FACES,
    SCALE_FACES,
    Channel,
    FeedbackDay,
    FeedbackPoint,
    FeedbackResponse,
    Scale,
)
from journeys.models import Journey
from motmap import ratelimit
from motmap.tenancy import get_for_org
from touchpoints.models import Touchpoint

from .base import OrgAPIView, _fake
from .filters import StrictBooleanFilter
from .serializers import (
    FeedbackCommentSerializer,
    FeedbackPeriodSerializer,
    FeedbackResponseSerializer,
    JourneyFeedbackSerializer,
    ScaleMappingSerializer,
    ScoreImportResultSerializer,
    ScoreImportSerializer,
    TouchpointFeedbackSerializer,
    TouchpointFeedErrorSerializer,
)

PERIOD_PARAMETERS = [
    OpenApiParameter("from", type=str, description="first day (YYYY-MM-DD); default: 90 days ago"),
    OpenApiParameter("to", type=str, description="last day (YYYY-MM-DD); default: today"),
]
BURST = ratelimit.Limit("feedback-api", 60)


def _row(touchpoint, summary):
    interval = summary.interval
    return {
        "touchpoint_id": touchpoint.pk,
        "touchpoint_name": touchpoint.name,
        "summary": summary,
        "interval_list": list(interval) if interval else None,
        "team_rating": touchpoint.rating_current,
        "customers_disagree": summary.disagrees_with(touchpoint.rating_current),
        "reason_rows": [{"reason": r, "count": n} for r, n in summary.reasons],
    }


class FeedbackPeriodMixin:
    def period(self):
        serializer = FeedbackPeriodSerializer(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["start"], serializer.validated_data["end"]


class TouchpointFeedback(FeedbackPeriodMixin, OrgAPIView):
    """Customers' answers at a touchpoint over a period, with the day-by-day series (from the
    daily roll-ups)."""

    serializer_class = TouchpointFeedbackSerializer
    queryset = Touchpoint.objects.none()

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: TouchpointFeedbackSerializer})
    def get(self, request, org_slug, touchpoint_id):
        touchpoint = get_for_org(Touchpoint.objects, self.org, pk=touchpoint_id)
        start, end = self.period()
        summary = feedback_selectors.summaries([touchpoint.pk], start, end)[touchpoint.pk]
        names = FeedbackDay.FACE_FIELDS
        days = [
            {
                "day": row["day"],
                "faces": {face: row[names[face]] for face, _symbol, _word in FACES},
                "excluded": row["excluded"],
                "throttled": row["throttled"],
            }
            for row in FeedbackDay.objects.filter(
                touchpoint=touchpoint, day__range=(start, end)
            ).values("day", "excluded", "throttled", *names.values())
        ]
        data = _row(touchpoint, summary) | {"period_start": start, "period_end": end, "days": days}
        return Response(self.get_serializer(data).data)


class JourneyFeedback(FeedbackPeriodMixin, OrgAPIView):
    """Customers' answers at every touchpoint of a journey over a period (customer order)."""

    serializer_class = JourneyFeedbackSerializer
    queryset = Journey.objects.none()

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: JourneyFeedbackSerializer})
    def get(self, request, org_slug, journey_id):
        journey = get_for_org(Journey.objects, self.org, pk=journey_id)
        start, end = self.period()
        touchpoints = list(
            Touchpoint.objects.filter(journey=journey).order_by("stage__position", "position")
        )
        summaries = feedback_selectors.summaries([tp.pk for tp in touchpoints], start, end)
        data = {
            "journey_id": journey.pk,
            "period_start": start,
            "period_end": end,
            "touchpoints": [_row(tp, summaries[tp.pk]) for tp in touchpoints],
        }
        return Response(self.get_serializer(data).data)


class CommentFilter(django_filters.FilterSet):
    journey = django_filters.UUIDFilter(field_name="touchpoint__journey_id")
    touchpoint = django_filters.UUIDFilter(field_name="touchpoint_id")
    face = django_filters.NumberFilter(field_name="face", min_value=-2, max_value=2)
    reason = django_filters.CharFilter(field_name="reason", max_length=60)
    unread = StrictBooleanFilter(field_name="comment_read_at", lookup_expr="isnull")

    class Meta:
        model = FeedbackResponse
        fields = []


class FeedbackCommentList(OrgAPIView, generics.ListAPIView):
    """Customers' comments, newest first (kept for FEEDBACK_COMMENT_DAYS)."""

    serializer_class = FeedbackCommentSerializer
    filterset_class = CommentFilter
    ordering = ["-created_at"]

    def get_queryset(self):
        if _fake(self):
            return FeedbackResponse.objects.none()
        return feedback_selectors.comments(self.org)

    @extend_schema(responses={200: FeedbackCommentSerializer(many=True)})
    def get(self, request, org_slug):
        return super().get(request, org_slug)


class FeedbackResponseCreate(OrgAPIView):
    """Record a customer's answer at a touchpoint open for feedback (managers' and owners'
    tokens: an integrator's kiosk). 201 with the answer; 200 with the one stored before when
    `submission_id` was sent already. Past FEEDBACK_POSTS_PER_MINUTE from one respondent: 429."""

    serializer_class = FeedbackResponseSerializer
    queryset = FeedbackResponse.objects.none()

    @extend_schema(
        request=FeedbackResponseSerializer,
        responses={201: FeedbackResponseSerializer, 200: FeedbackResponseSerializer},
    )
    def post(self, request, org_slug, touchpoint_id):
        touchpoint = get_for_org(Touchpoint.objects, self.org, pk=touchpoint_id)
        data = self.validated()
        point = (
            FeedbackPoint.objects.select_related("touchpoint__journey", "organisation")
            .filter(touchpoint=touchpoint)
            .first()
        )
        if not feedback_services.is_taking_answers(point):
            raise exceptions.ValidationError(
                {"touchpoint": [_("This touchpoint is not open for feedback.")]}
            )
        who = data.get("respondent") or ""
        hits = ratelimit.hit(BURST, f"{request.user.pk}:{who}")
        if hits is not None and hits > settings.FEEDBACK_POSTS_PER_MINUTE:
            feedback_services.count_refused(point)
            raise exceptions.Throttled(wait=ratelimit.seconds_left(BURST))
        response, created = feedback_services.response_record(
            point=point,
            submission_id=data["submission_id"],
            face=data["face"],
            reason=data.get("reason", ""),
            comment=data.get("comment", ""),
            respondent=feedback_services.respondent_hash(f"api:{request.user.pk}", who)
            if who
            else "",
            channel=Channel.API,
            language=data.get("language", ""),
        )
        return Response(
            self.get_serializer(response).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ScoreImport(OrgAPIView):
    """Scores from another survey tool (CSAT 1-5, NPS 0-10, four faces 1-4, or the faces
    -2..+2), mapped onto the faces and added to the touchpoints' daily figures. All or
    nothing: any bad row and nothing is saved (400 listing every bad row); `dry_run` checks
    and previews only. A touchpoint and day imported again replaces what the earlier import
    said of it. GET: each scale's mapping. Managers' and owners' tokens."""

    serializer_class = ScoreImportSerializer
    queryset = FeedbackResponse.objects.none()

    @extend_schema(responses={200: ScaleMappingSerializer(many=True)})
    def get(self, request, org_slug):
        mappings = [
            {
                "scale": value,
                "label": str(label),
                "faces": {str(k): v for k, v in SCALE_FACES[value].items()},
            }
            for value, label in Scale.choices
        ]
        return Response(ScaleMappingSerializer(mappings, many=True).data)

    @extend_schema(
        request=ScoreImportSerializer,
        responses={
            200: ScoreImportResultSerializer,
            201: ScoreImportResultSerializer,
            400: TouchpointFeedErrorSerializer,
        },
    )
    def post(self, request, org_slug):
        data = self.validated()
        dry_run = data.get("dry_run", False)
        result = feedback_services.scores_import(
            actor=request.user,
            organisation=self.org,
            scale=data["scale"],
            rows=data["rows"],
            source=data.get("source") or "API",
            save=not dry_run,
        )
        if result.error_rows:  # a preview with errors: the same 400 as the import
            raise result.rejected()
        body = {
            "saved": result.saved is not None,
            "id": result.saved.pk if result.saved else None,
            "rows": len(result.rows),
            "answers": result.answers,
            "touchpoints": result.touchpoints,
            "days": result.days,
            "days_replaced": result.days_replaced,
            "faces": result.faces,
        }
        return Response(
            ScoreImportResultSerializer(body).data,
            status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED,
        )
