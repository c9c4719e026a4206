from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic.base import RedirectView

from exports import views as export_views
from feedback.urls import org_urlpatterns as feedback_org_urls
from feedback.urls import touchpoint_urlpatterns as feedback_touchpoint_urls
from motmap import views as core_views
from notifications import views as notification_views
from touchpoints.urls import journey_urlpatterns as touchpoint_journey_urls

from . import views

# Every address of the project. Each app lists its own screens in its `urls.py`; the screens that
# put several apps together (organisation home, board, touchpoint page) are `pages.views`.
ORG = "o/<slug:org_slug>/"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("healthz/live", core_views.healthz_live, name="healthz_live"),
    # Browsers ask for /favicon.ico whatever a page links: the static icon, not a 404 logged.
    path(
        "favicon.ico",
        RedirectView.as_view(
            url=lazy(static, str)("favicon.ico"), http_method_names=["get", "head", "options"]
        ),
        name="favicon",
    ),
    path("accounts/", include("motmap.account_urls")),
    path("invitations/<str:token>/", core_views.invitation_accept, name="invitation_accept"),
    path("unsubscribe/<str:token>/", notification_views.unsubscribe, name="unsubscribe"),
    path("calendar/<str:token>.ics", notification_views.calendar_feed, name="calendar_feed"),
    # Customers' feedback at a moment: public, no login, no cookie.
    path("f/", include("feedback.urls")),
    path("orgs/", core_views.organisation_list, name="organisation_list"),
    path("orgs/new/", core_views.organisation_create, name="organisation_create"),
    path("orgs/import/", export_views.organisation_import, name="organisation_import"),
    path(ORG, views.organisation_home, name="organisation_home"),
    path(ORG, include("motmap.org_urls")),
    path(f"{ORG}journeys/<uuid:journey_id>/", views.journey_board, name="journey_board"),
    path(f"{ORG}journeys/", include("journeys.urls")),
    path(f"{ORG}journeys/", include(touchpoint_journey_urls)),
    path(f"{ORG}journeys/", include("packs.urls")),
    path(
        f"{ORG}touchpoints/<uuid:touchpoint_id>/",
        views.touchpoint_detail,
        name="touchpoint_detail",
    ),
    path(
        f"{ORG}touchpoints/<uuid:touchpoint_id>/quick-edit/",
        views.touchpoint_quick_edit,
        name="touchpoint_quick_edit",
    ),
    path(f"{ORG}feedback/comments/", views.feedback_comments, name="feedback_comments"),
    path(f"{ORG}feedback/", include(feedback_org_urls)),
    path(
        f"{ORG}feedback/comments/<uuid:response_id>/read/",
        views.feedback_comment_read,
        name="feedback_comment_read",
    ),
    path(
        f"{ORG}feedback/comments/<uuid:response_id>/idea/",
        views.feedback_comment_idea,
        name="feedback_comment_idea",
    ),
    path(
        f"{ORG}feedback/comments/<uuid:response_id>/action/",
        views.feedback_comment_action,
        name="feedback_comment_action",
    ),
    path(f"{ORG}touchpoints/", include("touchpoints.urls")),
    path(f"{ORG}touchpoints/<uuid:touchpoint_id>/feedback/", include(feedback_touchpoint_urls)),
    path(f"{ORG}ideas/", include("ideas.urls")),
    path(f"{ORG}notifications/", include("notifications.urls")),
    path(f"{ORG}reviews/", include("reviews.urls")),
    path(f"{ORG}api-tokens/", include("api.urls")),
    path(f"{ORG}webhooks/", include("webhooks.urls")),
    path(f"{ORG}export/", include("exports.urls")),
    # The REST API: its own permission matrix (tests/api/test_permission_matrix.py).
    path("api/", include(("api.api_urls", "api"), namespace="api")),
    path("admin/", admin.site.urls),
]

handler404 = "motmap.views.not_found"
handler500 = "motmap.views.server_error"
