from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "prefix",
        "user",
        "organisation",
        "read_only",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user", "organisation")
