"""The v1 API of ideas: submit, edit, withdraw, vote, comment, decide.

Ideas, votes and comments are written by any member, staff too (as on the pages): those views
say `write_role = MEMBER`; the services decide who may do what (the author edits while the
idea is new, a comment's author edits it, managers and owners decide).
"""

import django_filters
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from ideas import selectors, services
from ideas.models import Comment, Idea, IdeaStatus
from ideas.selectors import SEARCH_MAX_LENGTH
from motmap.tenancy import get_for_org
from touchpoints.models import Habit

from .base import MEMBER, OrgAPIView, _fake
from .filters import AliasOrderingFilter, SafeIsoDateTimeFilter, StrictBooleanFilter
from .serializers import (
    CommentSerializer,
    IdeaDetailSerializer,
    IdeaSerializer,
    IdeaStatusSerializer,
    IdeaUpdateSerializer,
    NoBodySerializer,
    VoteSerializer,
)


class IdeaFilter(django_filters.FilterSet):
    """The API's parameters of the idea list, checked here and applied by the one filter the
    pages use too (`ideas.selectors.filter_ideas`)."""

    status = django_filters.ChoiceFilter(
        choices=[("open", "open"), *IdeaStatus.choices],
        help_text="a status, or `open` for new, under review, accepted and in progress",
    )
    touchpoint = django_filters.UUIDFilter()
    journey = django_filters.UUIDFilter()
    stage = django_filters.UUIDFilter()
    habit = django_filters.ChoiceFilter(choices=Habit.choices, help_text="one of the seven habits")
    mine = StrictBooleanFilter(
        help_text="true: only the ideas you sent with your name; false: every other idea "
        "(anonymous ones too)"
    )
    q = django_filters.CharFilter(
        max_length=SEARCH_MAX_LENGTH, help_text="words in the title, today or the proposal"
    )
    created_after = SafeIsoDateTimeFilter(help_text="created at or after")
    created_before = SafeIsoDateTimeFilter(help_text="created before")

    class Meta:
        model = Idea
        fields = []

    def filter_queryset(self, queryset):
        return selectors.filter_ideas(queryset, self.request.user, self.form.cleaned_data)


class IdeaScopedMixin:
    """The idea of the URL, with the reading user's vote (another org's idea: 404)."""

    def ideas(self):
        return selectors.ideas_for(self.org, self.request.user)

    def get_idea(self):
        if not hasattr(self, "_idea"):
            self._idea = get_for_org(self.ideas(), self.org, pk=self.kwargs["idea_id"])
        return self._idea

    def idea_answer(self, idea, status_code=status.HTTP_200_OK):
        """The idea with its history, as IdeaDetailSerializer shows it."""
        idea.event_list = list(selectors.idea_events(idea))
        return Response(IdeaDetailSerializer(idea).data, status=status_code)

    def fresh(self, idea):
        """The idea as a service left it (counts, status), read again."""
        return get_for_org(self.ideas(), self.org, pk=idea.pk)


class IdeaList(IdeaScopedMixin, OrgAPIView, generics.ListAPIView):
    """The organisation's ideas (newest first); POST submits one (any member)."""

    write_role = MEMBER
    serializer_class = IdeaSerializer
    filterset_class = IdeaFilter
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]
    ordering_fields = ["created_at", "updated_at", "votes", "status"]
    ordering_aliases = {"votes": "vote_count"}
    ordering = ["-created_at"]

    def get_queryset(self):
        if _fake(self):
            return Idea.objects.none()
        return self.ideas()

    @extend_schema(responses={200: IdeaSerializer(many=True)})
    def get(self, request, org_slug):
        return super().get(request, org_slug)

    @extend_schema(
        request=IdeaSerializer,
        responses={201: IdeaDetailSerializer, 200: IdeaDetailSerializer},
        description="201 with the new idea; 200 with the idea sent before when "
        "`submission_token` was used already.",
    )
    def post(self, request, org_slug):
        data = dict(self.validated())
        idea, created = services.idea_submit(
            actor=request.user,
            touchpoint=data["touchpoint"],
            title=data["title"],
            today=data["today"],
            proposal=data["proposal"],
            habits=data.get("habits", ()),
            anonymous=data["is_anonymous"],
            submission_token=data.get("submission_token"),
        )
        return self.idea_answer(
            self.fresh(idea), status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class IdeaDetail(IdeaScopedMixin, OrgAPIView):
    """One idea with its status history; PATCH changes its texts (its author, while new)."""

    write_role = MEMBER
    serializer_class = IdeaDetailSerializer
    queryset = Idea.objects.none()

    @extend_schema(responses={200: IdeaDetailSerializer})
    def get(self, request, org_slug, idea_id):
        return self.idea_answer(self.get_idea())

    @extend_schema(request=IdeaUpdateSerializer, responses={200: IdeaDetailSerializer})
    def patch(self, request, org_slug, idea_id):
        idea = self.get_idea()
        data = self.validated(partial=True, instance=idea, serializer_class=IdeaUpdateSerializer)
        texts = {
            name: data.get(name, getattr(idea, name))
            for name in ("title", "today", "proposal", "habits")
        }
        services.idea_update(actor=request.user, idea=idea, **texts)
        return self.idea_answer(self.fresh(idea))


class IdeaWithdraw(IdeaScopedMixin, OrgAPIView):
    """Its author takes back an idea nobody has looked at yet: it is deleted."""

    write_role = MEMBER
    serializer_class = NoBodySerializer  # OPTIONS describes what to send: nothing
    queryset = Idea.objects.none()

    @extend_schema(request=None, responses={204: None})
    def post(self, request, org_slug, idea_id):
        services.idea_withdraw(actor=request.user, idea=self.get_idea())
        return Response(status=status.HTTP_204_NO_CONTENT)


class IdeaVote(IdeaScopedMixin, OrgAPIView):
    """POST votes for the idea, DELETE takes the vote back; sending either twice is harmless."""

    write_role = MEMBER
    serializer_class = VoteSerializer
    queryset = Idea.objects.none()

    def _set(self, request, voted):
        idea = self.get_idea()
        services.vote_set(actor=request.user, idea=idea, voted=voted)
        return Response(VoteSerializer({"voted": voted, "vote_count": idea.vote_count}).data)

    @extend_schema(request=None, responses={200: VoteSerializer})
    def post(self, request, org_slug, idea_id):
        return self._set(request, True)

    @extend_schema(request=None, responses={200: VoteSerializer})
    def delete(self, request, org_slug, idea_id):
        return self._set(request, False)


class IdeaStatusChange(IdeaScopedMixin, OrgAPIView):
    """A decision of a manager or owner: the author, voters and commenters are told."""

    serializer_class = IdeaStatusSerializer
    queryset = Idea.objects.none()

    @extend_schema(request=IdeaStatusSerializer, responses={200: IdeaDetailSerializer})
    def post(self, request, org_slug, idea_id):
        idea = self.get_idea()
        data = self.validated()
        services.idea_change_status(
            actor=request.user,
            idea=idea,
            status=data["status"],
            note=data["note"],
            duplicate_of=data.get("duplicate_of"),
        )
        return self.idea_answer(self.fresh(idea))


class CommentList(IdeaScopedMixin, OrgAPIView, generics.ListAPIView):
    """The comments on an idea, oldest first; POST adds one (any member)."""

    write_role = MEMBER
    serializer_class = CommentSerializer
    ordering_fields = ["created_at"]
    ordering = ["created_at"]

    def get_queryset(self):
        if _fake(self):
            return Comment.objects.none()
        return selectors.idea_comments(self.get_idea())

    @extend_schema(responses={200: CommentSerializer(many=True)})
    def get(self, request, org_slug, idea_id):
        return super().get(request, org_slug, idea_id)

    @extend_schema(request=CommentSerializer, responses={201: CommentSerializer})
    def post(self, request, org_slug, idea_id):
        data = self.validated()
        comment = services.comment_add(actor=request.user, idea=self.get_idea(), body=data["body"])
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


class CommentDetail(IdeaScopedMixin, OrgAPIView):
    """One comment; its author changes (PATCH) or deletes it."""

    write_role = MEMBER
    serializer_class = CommentSerializer
    queryset = Comment.objects.none()

    def get_object(self):
        return get_object_or_404(
            Comment.objects.select_related("author", "idea__organisation"),
            idea=self.get_idea(),
            pk=self.kwargs["comment_id"],
        )

    @extend_schema(responses={200: CommentSerializer})
    def get(self, request, org_slug, idea_id, comment_id):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=CommentSerializer, responses={200: CommentSerializer})
    def patch(self, request, org_slug, idea_id, comment_id):
        comment = self.get_object()
        data = self.validated(instance=comment)
        comment = services.comment_update(actor=request.user, comment=comment, body=data["body"])
        return Response(self.get_serializer(comment).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, org_slug, idea_id, comment_id):
        services.comment_delete(actor=request.user, comment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
