from django.urls import path

from . import views

urlpatterns = [
    path("", views.api_token_list, name="api_token_list"),
    path("<uuid:api_token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
