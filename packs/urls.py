"""Included under /o/<org>/journeys/ (pages/urls.py), beside journeys.urls."""

from django.urls import path

from . import views

urlpatterns = [
    path("<uuid:journey_id>/pack/", views.journey_pack, name="journey_pack"),
    path("<uuid:journey_id>/pack.pdf", views.journey_pack_pdf, name="journey_pack_pdf"),
    path("<uuid:journey_id>/packs/", views.journey_pack_list, name="journey_pack_list"),
    path("packs/", views.org_pack_list, name="org_pack_list"),
    path("packs/<uuid:pack_id>/", views.stored_pack_detail, name="stored_pack_detail"),
    path("packs/<uuid:pack_id>.pdf", views.stored_pack_pdf, name="stored_pack_pdf"),
]
