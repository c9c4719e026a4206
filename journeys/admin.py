from django.contrib import admin

from .models import Journey, Stage


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "owner", "review_cadence", "archived_at"]
    list_filter = ["organisation", "review_cadence", ("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation", "owner"]
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "journey", "position"]
    list_filter = ["journey__organisation"]
    search_fields = ["name", "journey__name"]
    list_select_related = ["journey"]
