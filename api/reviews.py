"""The v1 API of review meetings (read) and the actions agreed in them (read and write).

Actions are created and changed by managers and owners; closing one is open to any member
here because its owner may mark their own action done (reviews.services.action_close decides).
"""

import django_filters
from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from motmap.tenancy import get_for_org
from reviews import selectors, services
from reviews.models import Action, ActionStatus, Review, ReviewStatus

from .base import MEMBER, OrgAPIView, _fake
from .filters import StrictBooleanFilter
from .serializers import (
    ActionCloseSerializer,
    ActionSerializer,
    ActionUpdateSerializer,
    ReviewDetailSerializer,
    ReviewSerializer,
)

# --- reviews -------------------------------------------------------------------------------


class ReviewFilter(django_filters.FilterSet):
    journey = django_filters.UUIDFilter(field_name="journey_id")
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)
    held_after = django_filters.DateFilter(
        field_name="held_on", lookup_expr="gte", help_text="held on or after this date"
    )
    held_before = django_filters.DateFilter(
        field_name="held_on", lookup_expr="lt", help_text="held before this date"
    )

    class Meta:
        model = Review
        fields = []


class ReviewList(OrgAPIView, generics.ListAPIView):
    """The organisation's review meetings, latest first (read only)."""

    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    ordering_fields = ["held_on", "started_at"]
    ordering = ["-held_on", "-started_at"]

    def get_queryset(self):
        if _fake(self):
            return Review.objects.none()
        return selectors.org_reviews(self.org)

    @extend_schema(responses={200: ReviewSerializer(many=True)})
    def get(self, request, org_slug):
        return super().get(request, org_slug)


class ReviewDetail(OrgAPIView):
    """One review meeting with its ratings (in customer order), attendees and actions."""

    serializer_class = ReviewDetailSerializer
    queryset = Review.objects.none()

    @extend_schema(responses={200: ReviewDetailSerializer})
    def get(self, request, org_slug, review_id):
        review = get_for_org(selectors.org_reviews(self.org), self.org, pk=review_id)
        review.rating_list = list(selectors.review_ratings(review))
        review.action_ids = list(
            Action.objects.filter(review=review)
            .order_by("due_on", "created_at")
            .values_list("pk", flat=True)
        )
        return Response(self.get_serializer(review).data)


# --- actions -------------------------------------------------------------------------------


class ActionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)
    journey = django_filters.UUIDFilter(field_name="journey_id")
    review = django_filters.UUIDFilter(field_name="review_id")
    touchpoint = django_filters.UUIDFilter(field_name="touchpoint_id")
    owner = django_filters.CharFilter(
        field_name="owner__email",
        lookup_expr="iexact",
        max_length=get_user_model()._meta.get_field("email").max_length,
        help_text="the owner's email",
    )
    overdue = StrictBooleanFilter(
        field_name="is_overdue", help_text="open and due before today (the organisation's date)"
    )
    due_after = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", help_text="due on or after this date"
    )
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lt", help_text="due before this date"
    )

    class Meta:
        model = Action
        fields = []


class ActionScopedMixin:
    def actions(self):
        return selectors.org_actions(self.org, services.local_today(self.org))

    def get_object(self, pk=None):
        return get_for_org(self.actions(), self.org, pk=pk or self.kwargs["action_id"])

    def action_answer(self, pk, status_code=status.HTTP_200_OK):
        return Response(ActionSerializer(self.get_object(pk)).data, status=status_code)


class ActionList(ActionScopedMixin, OrgAPIView, generics.ListAPIView):
    """The organisation's actions, soonest due first; POST agrees one (managers and owners)."""

    serializer_class = ActionSerializer
    filterset_class = ActionFilter
    ordering_fields = ["due_on", "created_at"]
    ordering = ["due_on", "created_at"]

    def get_queryset(self):
        if _fake(self):
            return Action.objects.none()
        return self.actions()

    @extend_schema(responses={200: ActionSerializer(many=True)})
    def get(self, request, org_slug):
        return super().get(request, org_slug)

    @extend_schema(request=ActionSerializer, responses={201: ActionSerializer})
    def post(self, request, org_slug):
        data = self.validated()
        action = services.action_create(
            actor=request.user,
            title=data["title"],
            owner=data.get("owner"),
            due_on=data["due_on"],
            review=data.get("review"),
            journey=data.get("journey"),
            touchpoint=data.get("touchpoint"),
        )
        return self.action_answer(action.pk, status.HTTP_201_CREATED)


class ActionDetail(ActionScopedMixin, OrgAPIView):
    """One action; PUT/PATCH change what, who, by when and the touchpoint (while it is open)."""

    serializer_class = ActionUpdateSerializer
    queryset = Action.objects.none()

    @extend_schema(responses={200: ActionSerializer})
    def get(self, request, org_slug, action_id):
        return self.action_answer(action_id)

    def _update(self, request, partial):
        action = self.get_object()
        data = self.validated(partial=partial, instance=action)
        if partial:
            data = {
                name: data.get(name, getattr(action, name))
                for name in ("title", "owner", "due_on", "touchpoint")
            }
        services.action_update(
            actor=request.user,
            action=action,
            title=data["title"],
            owner=data.get("owner"),
            due_on=data["due_on"],
            touchpoint=data.get("touchpoint"),
        )
        return self.action_answer(action.pk)

    @extend_schema(request=ActionUpdateSerializer, responses={200: ActionSerializer})
    def put(self, request, org_slug, action_id):
        return self._update(request, partial=False)

    @extend_schema(request=ActionUpdateSerializer, responses={200: ActionSerializer})
    def patch(self, request, org_slug, action_id):
        return self._update(request, partial=True)


class ActionClose(ActionScopedMixin, OrgAPIView):
    """Mark an action done or dropped: managers and owners, or its owner marking it done."""

    write_role = MEMBER
    serializer_class = ActionCloseSerializer
    queryset = Action.objects.none()

    @extend_schema(request=ActionCloseSerializer, responses={200: ActionSerializer})
    def post(self, request, org_slug, action_id):
        action = self.get_object()
        data = self.validated()
        services.action_close(actor=request.user, action=action, status=data["status"])
        return self.action_answer(action.pk)
