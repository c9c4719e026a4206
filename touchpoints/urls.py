from django.urls import path

from . import views

urlpatterns = [
    path("<uuid:touchpoint_id>/", views.touchpoint_detail, name="touchpoint_detail"),
    path("<uuid:touchpoint_id>/edit/", views.touchpoint_edit, name="touchpoint_edit"),
    path("<uuid:touchpoint_id>/move/", views.touchpoint_move, name="touchpoint_move"),
    path("<uuid:touchpoint_id>/delete/", views.touchpoint_delete, name="touchpoint_delete"),
]
