from django.contrib import admin

from .models import Action, Reminder, Review, ReviewDecision, ReviewRating


class ReviewRatingInline(admin.TabularInline):
    model = ReviewRating
    extra = 0
    fields = ["position", "stage_name", "touchpoint_name", "previous_rating", "rating", "note"]
    readonly_fields = fields
    can_delete = False


class ReviewDecisionInline(admin.TabularInline):
    model = ReviewDecision
    extra = 0
    fields = ["idea_number", "idea_title", "from_status", "to_status", "note", "decided_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["journey", "held_on", "status", "organisation", "completed_at"]
    list_filter = ["status", "organisation"]
    search_fields = ["journey__name", "organisation__name"]
    list_select_related = ["journey", "organisation"]
    raw_id_fields = ["journey", "started_by", "completed_by"]
    filter_horizontal = ["attendees"]
    inlines = [ReviewRatingInline, ReviewDecisionInline]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["title", "journey", "owner", "due_on", "status", "next_reminder_at"]
    list_filter = ["status", "organisation"]
    search_fields = ["title", "journey__name"]
    list_select_related = ["journey", "owner"]
    raw_id_fields = ["journey", "review", "touchpoint", "owner", "created_by"]


@admin.register(ReviewRating)
class ReviewRatingAdmin(admin.ModelAdmin):
    list_display = ["touchpoint_name", "review", "previous_rating", "rating"]
    list_select_related = ["review", "review__journey"]
    raw_id_fields = ["review", "touchpoint"]


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(admin.ModelAdmin):
    list_display = ["idea_number", "idea_title", "to_status", "review", "decided_at"]
    list_select_related = ["review", "review__journey"]
    raw_id_fields = ["review", "idea", "touchpoint", "decided_by"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Reminders that have gone off and wait for a worker to tell them (normally seconds):
    rows that stay here say the workers or the broker are away."""

    list_display = ["pk", "journey", "action", "due_on", "fired_at"]
    list_select_related = ["journey", "action"]
    readonly_fields = ["journey", "action", "due_on", "fired_at"]

    def has_add_permission(self, request):
        return False
