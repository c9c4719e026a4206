from django.contrib import admin

from .models import Touchpoint, TouchpointChange


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "journey",
        "stage",
        "channel",
        "rating_current",
        "rating_target",
        "contacts_per_day",
        "organisation",
    ]
    list_filter = ["organisation", "channel", "rating_current"]
    search_fields = ["name", "external_id", "journey__name"]
    list_select_related = ["journey", "stage", "organisation"]
    readonly_fields = ["version"]


@admin.register(TouchpointChange)
class TouchpointChangeAdmin(admin.ModelAdmin):
    list_display = ["touchpoint", "field", "actor", "changed_at"]
    list_filter = ["touchpoint__organisation", "field"]
    search_fields = ["touchpoint__name"]
    list_select_related = ["touchpoint", "actor"]
