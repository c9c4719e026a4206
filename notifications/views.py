"""Notification settings, one-click unsubscribe and the private calendar feed."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from motmap.forms import posted
from motmap.tenancy import org_view

from . import calendar, services
from .forms import CalendarLinkForm, NotificationSettingsForm
from .models import CalendarFeed, Kind


@org_view
def notification_settings(request):
    """Each member chooses, for themselves only, how they hear about each kind of notice."""
    membership = request.membership
    current = services.frequencies([membership])[membership.pk]
    form = NotificationSettingsForm(posted(request), membership=membership, current=current)
    if request.method == "POST" and form.is_valid():
        services.settings_update(
            actor=request.user, membership=membership, choices=form.cleaned_data
        )
        messages.success(request, _("Notification settings saved."))
        return redirect("notification_settings", org_slug=request.org.slug)
    feed = CalendarFeed.objects.filter(membership=membership).first()
    context = {
        "form": form,
        "feed": feed,
        "feed_url": calendar.feed_url(feed) if feed else None,
    }
    return render(request, "notifications/settings.html", context)


CALENDAR_ACTIONS = {
    "create": (calendar.calendar_feed_create, gettext_lazy("Your calendar link is ready.")),
    "reset": (
        calendar.calendar_feed_reset,
        gettext_lazy("New calendar link made: the old address stopped working."),
    ),
    "off": (calendar.calendar_feed_delete, gettext_lazy("Calendar link turned off.")),
}


@require_POST
@org_view
def calendar_link(request):
    """Create, reset or turn off the member's private calendar address."""
    form = CalendarLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the calendar link."))
    else:
        service, message = CALENDAR_ACTIONS[form.cleaned_data["action"]]
        service(actor=request.user, membership=request.membership)
        messages.success(request, str(message))
    return redirect(reverse("notification_settings", args=[request.org.slug]) + "#calendar")


@csrf_exempt  # the signed token is the proof; mail clients POST without a CSRF token (RFC 8058)
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET asks (mail scanners prefetch links), POST turns the kinds off. No login needed."""
    found = services.read_unsubscribe_token(token)
    if found is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        found = services.unsubscribe(token)
        template = "notifications/unsubscribed.html"
    else:
        template = "notifications/unsubscribe.html"
    membership, kinds = found
    context = {
        "organisation": membership.organisation,
        "kinds": [kind.label for kind in Kind if kind.value in kinds],
        "settings_url": reverse("notification_settings", args=[membership.organisation.slug]),
    }
    return render(request, template, context)


@never_cache
@require_safe
def calendar_feed(request, token):
    """The private iCalendar feed: public (calendar apps cannot log in), the token is the key.
    HEAD (some calendar apps check with it first) answers as GET does, without the body."""
    feed = calendar.feed_for_token(token)
    if feed is None:
        raise Http404
    body = calendar.calendar_for(feed)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="motmap.ics"'
    response["X-Robots-Tag"] = "noindex"
    if request.method == "HEAD":
        response["Content-Length"] = str(len(response.content))
        response.content = b""
    return response
