from django.contrib import admin

from .models import StoredPack


@admin.register(StoredPack)
class StoredPackAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "kind", "status", "paper", "created_at")
    list_filter = ("kind", "status")
    exclude = ("pdf",)
    readonly_fields = ("organisation", "journey", "review", "created_by", "error")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")
