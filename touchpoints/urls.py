"""Under /o/<org>/touchpoints/ (pages/urls.py; the touchpoint page and its quick edit from
the board are `pages.views`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<uuid:touchpoint_id>/edit/", views.touchpoint_edit, name="touchpoint_edit"),
    path("<uuid:touchpoint_id>/move/", views.touchpoint_move, name="touchpoint_move"),
    path("<uuid:touchpoint_id>/delete/", views.touchpoint_delete, name="touchpoint_delete"),
    path(
        "<uuid:touchpoint_id>/qr.svg",
        views.touchpoint_qr,
        {"kind": "svg"},
        name="touchpoint_qr_svg",
    ),
    path(
        "<uuid:touchpoint_id>/qr.png",
        views.touchpoint_qr,
        {"kind": "png"},
        name="touchpoint_qr_png",
    ),
    path("<uuid:touchpoint_id>/card/", views.touchpoint_card, name="touchpoint_card"),
]

# Under /o/<org>/journeys/: a journey's new touchpoint, its CSV out and in.
journey_urlpatterns = [
    path("<uuid:journey_id>/touchpoints/new/", views.touchpoint_create, name="touchpoint_create"),
    path("<uuid:journey_id>/touchpoints.csv", views.touchpoint_export, name="touchpoint_export"),
    path(
        "<uuid:journey_id>/touchpoints/import/",
        views.touchpoint_import,
        name="touchpoint_import",
    ),
]
