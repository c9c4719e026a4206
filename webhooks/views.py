"""Owners' webhook pages: endpoints, their secret, the delivery log, test ping and replay."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from motmap.forms import add_service_errors, posted
from motmap.reauth import recent_password_required
from motmap.tenancy import ensure_owner, get_for_org, org_view

from . import services
from .forms import DeliveryFilterForm, EndpointForm
from .models import WebhookDelivery, WebhookEndpoint

LOG_PAGE_SIZE = 25


def _endpoint(request, endpoint_id):
    endpoint = get_for_org(WebhookEndpoint.objects, request.org, pk=endpoint_id)
    ensure_owner(request)
    return endpoint


def _to_detail(endpoint):
    return redirect("webhook_detail", org_slug=endpoint.organisation.slug, endpoint_id=endpoint.pk)


@require_GET
@org_view
def webhook_list(request):
    ensure_owner(request)
    endpoints = services.endpoints_for(actor=request.user, organisation=request.org)
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


def _save(request, form, endpoint=None):
    """Run the create or update service; put its refusals on the form. The endpoint or None."""
    if not (request.method == "POST" and form.is_valid()):
        return None
    try:
        if endpoint is None:
            return services.endpoint_create(
                actor=request.user, organisation=request.org, **form.cleaned_data
            )
        return services.endpoint_update(actor=request.user, endpoint=endpoint, **form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


@org_view
@recent_password_required(_lazy("add a webhook"))
def webhook_create(request):
    ensure_owner(request)
    form = EndpointForm(posted(request), initial={"events": []})
    endpoint = _save(request, form)
    if endpoint:
        messages.success(request, _("Webhook added. Its secret is below."))
        return _to_detail(endpoint)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": None})


@org_view
def webhook_edit(request, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    initial = {"url": endpoint.url, "events": endpoint.events, "description": endpoint.description}
    form = EndpointForm(posted(request), initial=initial)
    if _save(request, form, endpoint):
        messages.success(request, _("Webhook saved."))
        return _to_detail(endpoint)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint})


@never_cache
@require_GET
@org_view
def webhook_detail(request, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    filters = DeliveryFilterForm(request.GET)
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at")
    if filters.is_valid():
        for name in ("status", "event"):
            if filters.cleaned_data[name]:
                deliveries = deliveries.filter(**{name: filters.cleaned_data[name]})
    page = Paginator(deliveries.defer("payload", "response_excerpt"), LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "endpoint": endpoint,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
    }
    return render(request, "webhooks/endpoint_detail.html", context)


@org_view
def webhook_delete(request, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    if request.method == "POST":
        services.endpoint_delete(actor=request.user, endpoint=endpoint)
        messages.success(request, _("Webhook deleted."))
        return redirect("webhook_list", org_slug=request.org.slug)
    return render(request, "webhooks/endpoint_delete.html", {"endpoint": endpoint})


def _post_action(service, message):
    @require_POST
    @org_view
    def view(request, endpoint_id):
        endpoint = _endpoint(request, endpoint_id)
        service(actor=request.user, endpoint=endpoint)
        messages.success(request, message())
        return _to_detail(endpoint)

    view.__name__ = service.__name__
    return view


webhook_rotate_secret = _post_action(
    services.endpoint_rotate_secret,
    lambda: _("New secret made: deliveries are signed with it from now on."),
)
webhook_enable = _post_action(services.endpoint_enable, lambda: _("Webhook turned on."))
webhook_disable = _post_action(services.endpoint_disable, lambda: _("Webhook turned off."))
webhook_ping = _post_action(
    services.endpoint_ping, lambda: _("Test ping sent: see the delivery log below.")
)


def _delivery(request, endpoint_id, delivery_id):
    endpoint = _endpoint(request, endpoint_id)
    return get_object_or_404(WebhookDelivery, endpoint=endpoint, pk=delivery_id)


@never_cache
@require_GET
@org_view
def webhook_delivery(request, endpoint_id, delivery_id):
    delivery = _delivery(request, endpoint_id, delivery_id)
    context = {
        "endpoint": delivery.endpoint,
        "delivery": delivery,
        "payload_json": json.dumps(delivery.payload, indent=2, ensure_ascii=False),
    }
    return render(request, "webhooks/delivery_detail.html", context)


@require_POST
@org_view
def webhook_delivery_replay(request, endpoint_id, delivery_id):
    delivery = _delivery(request, endpoint_id, delivery_id)
    try:
        replay = services.delivery_replay(actor=request.user, delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(
            "webhook_delivery",
            org_slug=request.org.slug,
            endpoint_id=delivery.endpoint_id,
            delivery_id=delivery.pk,
        )
    messages.success(request, _("Delivery sent again (same event id)."))
    return redirect(
        "webhook_delivery",
        org_slug=request.org.slug,
        endpoint_id=delivery.endpoint_id,
        delivery_id=replay.pk,
    )
