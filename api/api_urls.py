"""/api/...: the REST API (v1, scoped by organisation) and its schema and docs."""

from django.urls import include, path

from . import v1

org_patterns = [
    path("journeys/", v1.JourneyList.as_view(), name="journey-list"),
    path("journeys/<uuid:journey_id>/", v1.JourneyDetail.as_view(), name="journey-detail"),
    path("journeys/<uuid:journey_id>/stages/", v1.StageList.as_view(), name="stage-list"),
    path(
        "journeys/<uuid:journey_id>/stages/<uuid:stage_id>/",
        v1.StageDetail.as_view(),
        name="stage-detail",
    ),
    path(
        "journeys/<uuid:journey_id>/stages/<uuid:stage_id>/move/",
        v1.StageMove.as_view(),
        name="stage-move",
    ),
    path("touchpoints/", v1.TouchpointList.as_view(), name="touchpoint-list"),
    path(
        "touchpoints/<uuid:touchpoint_id>/", v1.TouchpointDetail.as_view(),
        name="touchpoint-detail",
    ),
    path(
        "touchpoints/<uuid:touchpoint_id>/move/", v1.TouchpointMove.as_view(),
        name="touchpoint-move",
    ),
]

urlpatterns = [
    path("v1/orgs/<slug:org_slug>/", include(org_patterns)),
]
