from django.contrib import admin

from .models import WebhookDelivery, WebhookEndpoint, WebhookEventOnce


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organisation", "active", "consecutive_failures", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "organisation__name"]
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "status", "attempts", "created_at", "next_attempt_at"]
    list_filter = ["status", "event"]
    raw_id_fields = ["endpoint", "replay_of"]


@admin.register(WebhookEventOnce)
class WebhookEventOnceAdmin(admin.ModelAdmin):
    list_display = ["key", "organisation", "created_at"]
