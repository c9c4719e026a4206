"""The organisation's own screens under /o/<org>/ (its home page is `pages.views`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.organisation_settings, name="organisation_settings"),
    path("delete/", views.organisation_delete, name="organisation_delete"),
    path("members/", views.member_list, name="member_list"),
    path("members/<uuid:membership_id>/role/", views.member_role, name="member_role"),
    path("members/<uuid:membership_id>/remove/", views.member_remove, name="member_remove"),
    path(
        "members/<uuid:membership_id>/unpause/",
        views.member_login_unpause,
        name="member_login_unpause",
    ),
    path(
        "invitations/<uuid:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("emails/failed/", views.outbox_failed, name="outbox_failed"),
    path("emails/<uuid:email_id>/resend/", views.outbox_resend, name="outbox_resend"),
]
