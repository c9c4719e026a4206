from django.contrib import admin

from .models import DailySalt, FeedbackDay, FeedbackPoint, FeedbackReasonDay, FeedbackResponse


@admin.register(FeedbackPoint)
class FeedbackPointAdmin(admin.ModelAdmin):
    list_display = ["touchpoint", "organisation", "is_open", "created_at", "rotated_at"]
    list_filter = ["is_open", "organisation"]
    list_select_related = ["touchpoint", "organisation"]
    raw_id_fields = ["touchpoint"]
    readonly_fields = ["token", "created_at", "rotated_at"]

    def has_add_permission(self, request):
        return False  # opened by a manager through feedback.services, which makes its code


class ReadOnly(admin.ModelAdmin):
    """Answers and their roll-ups are written by the service only: shown, never edited here
    (an edited count would no longer match the answers)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FeedbackResponse)
class FeedbackResponseAdmin(ReadOnly):
    list_display = ["touchpoint", "face", "reason", "counted", "channel", "day", "created_at"]
    list_filter = ["counted", "channel", "face", "organisation"]
    list_select_related = ["touchpoint"]
    exclude = ["respondent"]


@admin.register(FeedbackDay)
class FeedbackDayAdmin(ReadOnly):
    list_display = [
        "touchpoint",
        "day",
        "depresses",
        "disappoints",
        "neutral",
        "pleases",
        "wows",
        "excluded",
    ]
    list_select_related = ["touchpoint"]


@admin.register(FeedbackReasonDay)
class FeedbackReasonDayAdmin(ReadOnly):
    list_display = ["touchpoint", "day", "reason", "count"]
    list_select_related = ["touchpoint"]


@admin.register(DailySalt)
class DailySaltAdmin(ReadOnly):
    list_display = ["day"]
    exclude = ["salt"]
