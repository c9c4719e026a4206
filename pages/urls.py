from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic.base import RedirectView

from notifications import views as notification_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever a page links: the static icon, not a 404 logged.
    path(
        "favicon.ico",
        RedirectView.as_view(
            url=lazy(static, str)("favicon.ico"), http_method_names=["get", "head", "options"]
        ),
        name="favicon",
    ),
    path("accounts/", include("motmap.account_urls")),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("unsubscribe/<str:token>/", notification_views.unsubscribe, name="unsubscribe"),
    path("calendar/<str:token>.ics", notification_views.calendar_feed, name="calendar_feed"),
    path("orgs/", views.organisation_list, name="organisation_list"),
    path("orgs/new/", views.organisation_create, name="organisation_create"),
    path("o/<slug:org_slug>/", include("motmap.org_urls")),
    path("o/<slug:org_slug>/journeys/", include("journeys.urls")),
    path("o/<slug:org_slug>/journeys/", include("packs.urls")),
    path("o/<slug:org_slug>/touchpoints/", include("touchpoints.urls")),
    path("o/<slug:org_slug>/ideas/", include("ideas.urls")),
    path("o/<slug:org_slug>/notifications/", include("notifications.urls")),
    path("o/<slug:org_slug>/reviews/", include("reviews.urls")),
    path("o/<slug:org_slug>/api-tokens/", include("api.urls")),
    path("o/<slug:org_slug>/webhooks/", include("webhooks.urls")),
    # The REST API: its own permission matrix (tests/api/test_permission_matrix.py).
    path("api/", include(("api.api_urls", "api"), namespace="api")),
    path("admin/", admin.site.urls),
]

handler404 = "motmap.views.not_found"
handler500 = "motmap.views.server_error"
