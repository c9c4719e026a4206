from django.urls import path

from . import views

urlpatterns = [
    path("", views.review_dashboard, name="review_dashboard"),
    path("journeys/<uuid:journey_id>/", views.review_list, name="review_list"),
    path("journeys/<uuid:journey_id>/start/", views.review_start, name="review_start"),
    path(
        "journeys/<uuid:journey_id>/next-review/",
        views.journey_next_review,
        name="journey_next_review",
    ),
    path("<uuid:review_id>/", views.review_detail, name="review_detail"),
    path("<uuid:review_id>/edit/", views.review_edit, name="review_edit"),
    path("<uuid:review_id>/cancel/", views.review_cancel, name="review_cancel"),
    path(
        "<uuid:review_id>/ratings/<uuid:rating_id>/",
        views.review_rating_save,
        name="review_rating_save",
    ),
    path("<uuid:review_id>/save/", views.review_save, name="review_save"),
    path("<uuid:review_id>/complete/", views.review_complete, name="review_complete"),
    path("actions/<uuid:action_id>/edit/", views.action_edit, name="action_edit"),
    path("actions/<uuid:action_id>/close/", views.action_close, name="action_close"),
]
