from django.urls import path

from . import views

urlpatterns = [
    path("<uuid:touchpoint_id>/", views.touchpoint_detail, name="touchpoint_detail"),
    path("<uuid:touchpoint_id>/edit/", views.touchpoint_edit, name="touchpoint_edit"),
    path("<uuid:touchpoint_id>/move/", views.touchpoint_move, name="touchpoint_move"),
    path(
        "<uuid:touchpoint_id>/quick-edit/",
        views.touchpoint_quick_edit,
        name="touchpoint_quick_edit",
    ),
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
