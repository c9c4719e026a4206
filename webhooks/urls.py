from django.urls import path

from . import views

urlpatterns = [
    path("", views.webhook_list, name="webhook_list"),
    path("new/", views.webhook_create, name="webhook_create"),
    path("<uuid:endpoint_id>/", views.webhook_detail, name="webhook_detail"),
    path("<uuid:endpoint_id>/edit/", views.webhook_edit, name="webhook_edit"),
    path("<uuid:endpoint_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path("<uuid:endpoint_id>/secret/", views.webhook_rotate_secret, name="webhook_rotate_secret"),
    path("<uuid:endpoint_id>/enable/", views.webhook_enable, name="webhook_enable"),
    path("<uuid:endpoint_id>/disable/", views.webhook_disable, name="webhook_disable"),
    path("<uuid:endpoint_id>/ping/", views.webhook_ping, name="webhook_ping"),
    path(
        "<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/",
        views.webhook_delivery,
        name="webhook_delivery",
    ),
    path(
        "<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/replay/",
        views.webhook_delivery_replay,
        name="webhook_delivery_replay",
    ),
]
