from django.contrib import admin

from .models import OrganisationExport


@admin.register(OrganisationExport)
class OrganisationExportAdmin(admin.ModelAdmin):
    list_display = ("organisation", "status", "created_at", "size", "expires_at")
    list_filter = ("status",)
    exclude = ("file",)
    readonly_fields = ("organisation", "requested_by", "error")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("file")
