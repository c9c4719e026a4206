"""Under /o/<org>/journeys/ (pages/urls.py; the board is `pages.views.journey_board`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("new/", views.journey_create, name="journey_create"),
    path("<uuid:journey_id>/edit/", views.journey_edit, name="journey_edit"),
    path("<uuid:journey_id>/archive/", views.journey_archive, name="journey_archive"),
    path("<uuid:journey_id>/restore/", views.journey_restore, name="journey_restore"),
    path("<uuid:journey_id>/delete/", views.journey_delete, name="journey_delete"),
    path("<uuid:journey_id>/stages/", views.stage_list, name="stage_list"),
    path("<uuid:journey_id>/stages/<uuid:stage_id>/edit/", views.stage_edit, name="stage_edit"),
    path("<uuid:journey_id>/stages/<uuid:stage_id>/move/", views.stage_move, name="stage_move"),
    path(
        "<uuid:journey_id>/stages/<uuid:stage_id>/delete/",
        views.stage_delete,
        name="stage_delete",
    ),
]
