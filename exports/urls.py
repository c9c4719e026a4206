"""Included under /o/<org>/export/ (pages/urls.py); the import is /orgs/import/ there."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.export_list, name="export_list"),
    path("<uuid:export_id>.zip", views.export_download, name="export_download"),
]
