from django.contrib import admin

from .models import Comment, Idea, IdeaEvent, Vote


class IdeaEventInline(admin.TabularInline):
    model = IdeaEvent
    extra = 0
    readonly_fields = ["at", "actor", "from_status", "to_status", "note"]


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "title",
        "organisation",
        "touchpoint",
        "status",
        "vote_count",
        "created_at",
    ]
    list_filter = ["organisation", "status"]
    search_fields = ["title", "proposal"]
    list_select_related = ["organisation", "touchpoint"]
    readonly_fields = ["vote_count", "comment_count", "submission_token"]
    inlines = [IdeaEventInline]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["idea", "user", "created_at"]
    list_filter = ["idea__organisation"]
    list_select_related = ["idea", "user"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["idea", "author", "by_manager", "created_at"]
    list_filter = ["idea__organisation", "by_manager"]
    search_fields = ["body"]
    list_select_related = ["idea", "author"]


@admin.register(IdeaEvent)
class IdeaEventAdmin(admin.ModelAdmin):
    list_display = ["idea", "from_status", "to_status", "actor", "at"]
    list_filter = ["idea__organisation", "to_status"]
    list_select_related = ["idea", "actor"]
