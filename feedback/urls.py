"""The customer's pages under /f/ (public), the manager's screens of a touchpoint's feedback
(`touchpoint_urlpatterns`), and the organisation's import of scores (`org_urlpatterns`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:code>/", views.respond, name="feedback_respond"),
    path("<str:code>/kiosk/", views.kiosk, name="feedback_kiosk"),
]

# Under /o/<org>/touchpoints/<touchpoint>/feedback/: the manager's screens (pages/urls.py).
touchpoint_urlpatterns = [
    path("", views.feedback_settings, name="feedback_settings"),
    path("close/", views.feedback_close, name="feedback_close"),
    path("reopen/", views.feedback_reopen, name="feedback_reopen"),
    path("new-code/", views.feedback_rotate, name="feedback_rotate"),
    path("qr.svg", views.feedback_qr, {"kind": "svg"}, name="feedback_qr_svg"),
    path("qr.png", views.feedback_qr, {"kind": "png"}, name="feedback_qr_png"),
    path("card/", views.feedback_card, name="feedback_card"),
]

# Under /o/<org>/feedback/ (pages/urls.py; the comments there are pages' own).
org_urlpatterns = [
    path("import/", views.scores_import, name="feedback_scores_import"),
]
