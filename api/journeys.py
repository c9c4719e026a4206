"""The v1 API of journeys, their stages and touchpoints (the bulk feed too): parse, call the
same services as the pages, answer JSON.

Every view is scoped by the organisation in the URL (OrgAPIView in api/base.py, via
motmap.tenancy): an object of another organisation is 404; writes need an editor (the services
check again). Ideas, reviews and actions are in api/ideas.py and api/reviews.py.
"""

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from journeys import services as journey_services
from journeys.models import Journey, Stage
from motmap.tenancy import get_for_org
from touchpoints import services as touchpoint_services
from touchpoints.models import Touchpoint

from .base import OrgAPIView, _fake
from .exceptions import PreconditionFailed, PreconditionRequired
from .serializers import (
    JourneySerializer,
    MoveSerializer,
    StageSerializer,
    TouchpointFeedErrorSerializer,
    TouchpointFeedResultSerializer,
    TouchpointFeedSerializer,
    TouchpointSerializer,
    TouchpointUpdateSerializer,
)

# --- journeys ------------------------------------------------------------------------------


class JourneyFilter(django_filters.FilterSet):
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Journey
        fields = ["segment", "review_cadence", "archived"]


class JourneyList(OrgAPIView, generics.ListAPIView):
    """The organisation's journeys; POST creates one (managers and owners)."""

    serializer_class = JourneySerializer
    filterset_class = JourneyFilter
    ordering_fields = ["created_at", "name", "next_review_on"]
    ordering = ["created_at"]

    def get_queryset(self):
        if _fake(self):
            return Journey.objects.none()
        return Journey.objects.for_org(self.org).select_related("owner")

    @extend_schema(responses={201: JourneySerializer})
    def post(self, request, org_slug):
        data = self.validated()
        journey = journey_services.journey_create(actor=request.user, organisation=self.org, **data)
        return Response(self.get_serializer(journey).data, status=status.HTTP_201_CREATED)


class JourneyDetail(OrgAPIView, generics.RetrieveAPIView):
    """One journey: GET, PUT/PATCH (change), DELETE (only an empty journey)."""

    serializer_class = JourneySerializer

    def get_object(self):
        return get_for_org(
            Journey.objects.select_related("owner"), self.org, pk=self.kwargs["journey_id"]
        )

    def _update(self, request, partial):
        journey = self.get_object()
        data = self.validated(partial=partial, instance=journey)
        journey = journey_services.journey_update(actor=request.user, journey=journey, **data)
        return Response(self.get_serializer(journey).data)

    def put(self, request, org_slug, journey_id):
        return self._update(request, partial=False)

    def patch(self, request, org_slug, journey_id):
        return self._update(request, partial=True)

    def delete(self, request, org_slug, journey_id):
        journey_services.journey_delete(actor=request.user, journey=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- stages --------------------------------------------------------------------------------


class JourneyScopedMixin:
    def get_journey(self):
        if not hasattr(self, "_journey"):
            self._journey = get_for_org(Journey.objects, self.org, pk=self.kwargs["journey_id"])
        return self._journey


class StageList(JourneyScopedMixin, OrgAPIView, generics.ListAPIView):
    """The stages of a journey in customer order; POST adds one at the end."""

    serializer_class = StageSerializer
    ordering_fields = ["position"]
    ordering = ["position"]

    def get_queryset(self):
        if _fake(self):
            return Stage.objects.none()
        return self.get_journey().stages.all()

    @extend_schema(responses={201: StageSerializer})
    def post(self, request, org_slug, journey_id):
        data = self.validated()
        stage = journey_services.stage_create(
            actor=request.user, journey=self.get_journey(), name=data["name"]
        )
        return Response(self.get_serializer(stage).data, status=status.HTTP_201_CREATED)


class StageDetail(JourneyScopedMixin, OrgAPIView, generics.RetrieveAPIView):
    """One stage: GET, PUT/PATCH (rename), DELETE (`?move_to=<stage id>` if it has touchpoints)."""

    serializer_class = StageSerializer

    def get_object(self):
        return get_for_org(
            Stage.objects.select_related("journey__organisation").filter(
                journey=self.get_journey()
            ),
            self.org,
            pk=self.kwargs["stage_id"],
        )

    def _rename(self, request):
        stage = self.get_object()
        data = self.validated(instance=stage)
        stage = journey_services.stage_rename(actor=request.user, stage=stage, name=data["name"])
        return Response(self.get_serializer(stage).data)

    def put(self, request, org_slug, journey_id, stage_id):
        return self._rename(request)

    def patch(self, request, org_slug, journey_id, stage_id):
        return self._rename(request)

    @extend_schema(
        parameters=[OpenApiParameter("move_to", OpenApiTypes.UUID, OpenApiParameter.QUERY)]
    )
    def delete(self, request, org_slug, journey_id, stage_id):
        stage = self.get_object()
        move_to = None
        raw = request.query_params.get("move_to")
        if raw:
            try:
                move_to = Stage.objects.for_org(self.org).filter(pk=raw).first()
            except ValidationError:
                move_to = None
            if move_to is None:
                raise ValidationError({"move_to": _("There is no such stage.")})
        journey_services.stage_delete(actor=request.user, stage=stage, move_to=move_to)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StageMove(JourneyScopedMixin, OrgAPIView):
    """Move a stage one place up or down."""

    serializer_class = MoveSerializer
    queryset = Stage.objects.none()
    pagination_class = None  # answers the journey's stages in their new order, all of them

    @extend_schema(responses=StageSerializer(many=True))
    def post(self, request, org_slug, journey_id, stage_id):
        stage = get_for_org(Stage.objects.filter(journey=self.get_journey()), self.org, pk=stage_id)
        data = self.validated()
        journey_services.stage_move(actor=request.user, stage=stage, direction=data["direction"])
        stages = self.get_journey().stages.order_by("position")
        return Response(StageSerializer(stages, many=True).data)


# --- touchpoints ---------------------------------------------------------------------------


class TouchpointFilter(django_filters.FilterSet):
    journey = django_filters.UUIDFilter(field_name="journey_id")
    stage = django_filters.UUIDFilter(field_name="stage_id")

    class Meta:
        model = Touchpoint
        fields = ["journey", "stage", "channel", "rating_current"]


class TouchpointList(OrgAPIView, generics.ListAPIView):
    """The organisation's touchpoints (filter by journey, stage, channel); POST creates one."""

    serializer_class = TouchpointSerializer
    filterset_class = TouchpointFilter
    ordering_fields = [
        "created_at",
        "updated_at",
        "name",
        "position",
        "rating_current",
        "contacts_per_day",
    ]
    ordering = ["created_at"]

    def get_queryset(self):
        if _fake(self):
            return Touchpoint.objects.none()
        return Touchpoint.objects.for_org(self.org).select_related("owner", "stage")

    @extend_schema(responses={201: TouchpointSerializer})
    def post(self, request, org_slug):
        data = dict(self.validated())
        journey = data.pop("journey")
        stage = data.pop("stage")
        touchpoint = touchpoint_services.touchpoint_create(
            actor=request.user, journey=journey, stage=stage, **data
        )
        response = Response(self.get_serializer(touchpoint).data, status=status.HTTP_201_CREATED)
        response["ETag"] = etag(touchpoint)
        return response


def etag(touchpoint):
    return f'"{touchpoint.version}"'


def if_match_version(request, touchpoint):
    """The version the client read, from If-Match; `*` means whatever is there now."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(
            _("Send If-Match with the ETag you read, so that nobody's edit is overwritten.")
        )
    header = header.strip()
    if header == "*":
        return touchpoint.version
    value = header.removeprefix("W/").strip().strip('"')
    if not value.isdigit() or len(value) > 10:
        raise PreconditionFailed(_("If-Match does not match this touchpoint's ETag."))
    return int(value)


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag you read (a GET answers it); `*` to overwrite whatever is there.",
)


class TouchpointDetail(OrgAPIView, generics.RetrieveAPIView):
    """One touchpoint with its ETag; PUT/PATCH need If-Match (412 when someone saved since)."""

    serializer_class = TouchpointSerializer

    def get_serializer_class(self):
        if self.request and self.request.method in ("PUT", "PATCH"):
            return TouchpointUpdateSerializer
        return TouchpointSerializer

    def get_object(self):
        return get_for_org(
            Touchpoint.objects.select_related("owner", "stage", "organisation"),
            self.org,
            pk=self.kwargs["touchpoint_id"],
        )

    def get(self, request, org_slug, touchpoint_id):
        touchpoint = self.get_object()
        response = Response(self.get_serializer(touchpoint).data)
        response["ETag"] = etag(touchpoint)
        return response

    def _update(self, request, partial):
        touchpoint = self.get_object()
        version = if_match_version(request, touchpoint)
        data = self.validated(partial=partial, instance=touchpoint)
        # If-Match is strict: a save from any other version is a 412, whatever it changes.
        touchpoint = touchpoint_services.touchpoint_update(
            actor=request.user, touchpoint=touchpoint, version=version, strict=True, **data
        )
        touchpoint.refresh_from_db()
        response = Response(TouchpointSerializer(touchpoint, context={"org": self.org}).data)
        response["ETag"] = etag(touchpoint)
        return response

    @extend_schema(parameters=[IF_MATCH], responses=TouchpointSerializer)
    def put(self, request, org_slug, touchpoint_id):
        return self._update(request, partial=False)

    @extend_schema(parameters=[IF_MATCH], responses=TouchpointSerializer)
    def patch(self, request, org_slug, touchpoint_id):
        return self._update(request, partial=True)

    def delete(self, request, org_slug, touchpoint_id):
        touchpoint_services.touchpoint_delete(actor=request.user, touchpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TouchpointMove(OrgAPIView):
    """Move a touchpoint one place up or down in customer order (into the next stage at an end)."""

    serializer_class = MoveSerializer
    queryset = Touchpoint.objects.none()

    @extend_schema(responses=TouchpointSerializer)
    def post(self, request, org_slug, touchpoint_id):
        touchpoint = get_for_org(Touchpoint.objects, self.org, pk=touchpoint_id)
        data = self.validated()
        touchpoint_services.touchpoint_move(
            actor=request.user, touchpoint=touchpoint, direction=data["direction"]
        )
        touchpoint.refresh_from_db()
        response = Response(TouchpointSerializer(touchpoint).data)
        response["ETag"] = etag(touchpoint)
        return response


class TouchpointFeed(OrgAPIView):
    """The bulk feed: contacts per day and/or current rating of many touchpoints at once.

    Touchpoints are found by their `external_id`. All or nothing: any bad row and nothing
    changes (400 listing every bad row). Rows already current are left alone, so the same feed
    twice changes nothing the second time.
    """

    serializer_class = TouchpointFeedSerializer
    queryset = Touchpoint.objects.none()

    @extend_schema(
        request=TouchpointFeedSerializer,
        responses={200: TouchpointFeedResultSerializer, 400: TouchpointFeedErrorSerializer},
    )
    def post(self, request, org_slug):
        data = self.validated()
        result = touchpoint_services.touchpoint_feed(
            actor=request.user, organisation=self.org, rows=data["rows"]
        )
        return Response(result)
