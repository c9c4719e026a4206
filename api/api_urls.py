"""/api/...: the REST API (v1, scoped by organisation) and its schema and docs."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from . import feedback, ideas, journeys, reviews

# The docs pages load their own scripts and styles from /static/ (the sidecar, no CDN). Their
# widgets set styles inline and Redoc searches in a blob: worker: allowed on these two pages only.
DOCS_CSP = {"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"], "img-src": ["blob:"]}

org_patterns = [
    path("journeys/", journeys.JourneyList.as_view(), name="journey-list"),
    path("journeys/<uuid:journey_id>/", journeys.JourneyDetail.as_view(), name="journey-detail"),
    path("journeys/<uuid:journey_id>/stages/", journeys.StageList.as_view(), name="stage-list"),
    path(
        "journeys/<uuid:journey_id>/stages/<uuid:stage_id>/",
        journeys.StageDetail.as_view(),
        name="stage-detail",
    ),
    path(
        "journeys/<uuid:journey_id>/stages/<uuid:stage_id>/move/",
        journeys.StageMove.as_view(),
        name="stage-move",
    ),
    path("touchpoints/", journeys.TouchpointList.as_view(), name="touchpoint-list"),
    path("touchpoints/feed/", journeys.TouchpointFeed.as_view(), name="touchpoint-feed"),
    path(
        "touchpoints/<uuid:touchpoint_id>/",
        journeys.TouchpointDetail.as_view(),
        name="touchpoint-detail",
    ),
    path(
        "touchpoints/<uuid:touchpoint_id>/move/",
        journeys.TouchpointMove.as_view(),
        name="touchpoint-move",
    ),
    path("ideas/", ideas.IdeaList.as_view(), name="idea-list"),
    path("ideas/<uuid:idea_id>/", ideas.IdeaDetail.as_view(), name="idea-detail"),
    path("ideas/<uuid:idea_id>/withdraw/", ideas.IdeaWithdraw.as_view(), name="idea-withdraw"),
    path("ideas/<uuid:idea_id>/vote/", ideas.IdeaVote.as_view(), name="idea-vote"),
    path("ideas/<uuid:idea_id>/status/", ideas.IdeaStatusChange.as_view(), name="idea-status"),
    path("ideas/<uuid:idea_id>/comments/", ideas.CommentList.as_view(), name="comment-list"),
    path(
        "ideas/<uuid:idea_id>/comments/<uuid:comment_id>/",
        ideas.CommentDetail.as_view(),
        name="comment-detail",
    ),
    path(
        "touchpoints/<uuid:touchpoint_id>/feedback/",
        feedback.TouchpointFeedback.as_view(),
        name="touchpoint-feedback",
    ),
    path(
        "touchpoints/<uuid:touchpoint_id>/feedback/responses/",
        feedback.FeedbackResponseCreate.as_view(),
        name="feedback-response-create",
    ),
    path(
        "journeys/<uuid:journey_id>/feedback/",
        feedback.JourneyFeedback.as_view(),
        name="journey-feedback",
    ),
    path(
        "feedback/comments/", feedback.FeedbackCommentList.as_view(), name="feedback-comment-list"
    ),
    path("feedback/imports/", feedback.ScoreImport.as_view(), name="feedback-score-import"),
    path("reviews/", reviews.ReviewList.as_view(), name="review-list"),
    path("reviews/<uuid:review_id>/", reviews.ReviewDetail.as_view(), name="review-detail"),
    path("actions/", reviews.ActionList.as_view(), name="action-list"),
    path("actions/<uuid:action_id>/", reviews.ActionDetail.as_view(), name="action-detail"),
    path("actions/<uuid:action_id>/close/", reviews.ActionClose.as_view(), name="action-close"),
]

urlpatterns = [
    path("v1/orgs/<slug:org_slug>/", include(org_patterns)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        csp_update(DOCS_CSP)(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", template_name="api/swagger_ui.html"
            )
        ),
        name="swagger-ui",
    ),
    path(
        "redoc/",
        csp_update(DOCS_CSP)(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
]
