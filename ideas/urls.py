from django.urls import path

from . import views

urlpatterns = [
    path("", views.idea_list, name="idea_list"),
    path("new/", views.idea_submit, name="idea_submit"),
    path("mine/", views.idea_mine, name="idea_mine"),
    path("implemented/", views.idea_wall, name="idea_wall"),
    path("export.csv", views.idea_export, name="idea_export"),
    path("<uuid:idea_id>/", views.idea_detail, name="idea_detail"),
    path("<uuid:idea_id>/edit/", views.idea_edit, name="idea_edit"),
    path("<uuid:idea_id>/withdraw/", views.idea_withdraw, name="idea_withdraw"),
    path("<uuid:idea_id>/vote/", views.idea_vote, name="idea_vote"),
    path("<uuid:idea_id>/comments/", views.comment_add, name="comment_add"),
    path(
        "<uuid:idea_id>/comments/<uuid:comment_id>/edit/",
        views.comment_edit,
        name="comment_edit",
    ),
    path(
        "<uuid:idea_id>/comments/<uuid:comment_id>/delete/",
        views.comment_delete,
        name="comment_delete",
    ),
    path("<uuid:idea_id>/status/", views.idea_status, name="idea_status"),
]
