"""The API tokens page: a new token in a success box with a Copy button, the app's table and
dates; and the webhook delivery log's dates, written the same way."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from django.conf import settings
from django.urls import reverse

from api import services
from api.models import ApiToken
from webhooks.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint

# 20:46 UTC is 21:46 in Stockholm (CET), Nordic Air's time zone.
CREATED = datetime(2026, 12, 1, 20, 46, tzinfo=UTC)


def _url(org):
    return reverse("api_token_list", kwargs={"org_slug": org.slug})


def _success_box(body):
    match = re.search(r'<div class="message message--success"[^>]*>(.*?)</div>', body, re.S)
    assert match, "no success box"
    return match.group(1)


def test_a_new_token_is_shown_in_a_success_box_with_a_copy_button(client_for, carol, nordic):
    response = client_for(carol).post(_url(nordic), {"name": "Power BI"})
    assert response.status_code == 200
    body = response.content.decode()
    box = _success_box(body)
    raw = re.search(r'id="new-token" type="text" readonly value="([^"]+)"', box).group(1)
    assert raw.startswith("mm_" + ApiToken.objects.get(user=carol).prefix)
    assert "form-errors" not in body  # not the red box of a form that went wrong
    assert 'role="alert"' not in body
    # Without JavaScript the token is there to select and no button does nothing; the script
    # adds the Copy button, with the page's translated labels.
    field = re.search(r'<input id="new-token"[^>]*>', box).group(0)
    assert 'data-copy-label="Copy"' in field and 'data-copied-label="Copied"' in field
    assert "<button" not in box
    assert re.search(r'<script src="/static/js/copy\.js" defer></script>', body)


def test_no_copy_script_or_box_without_a_new_token(client_for, carol, nordic):
    body = client_for(carol).get(_url(nordic)).content.decode()
    assert "message--success" not in body and "copy.js" not in body


def test_a_refused_token_keeps_the_red_error_box_for_the_form(client_for, carol, nordic):
    body = client_for(carol).post(_url(nordic), {"name": "   "}).content.decode()
    assert "message--success" not in body and "new-token" not in body


def test_the_copy_script_is_small_local_and_uses_the_clipboard():
    script = (Path(settings.BASE_DIR) / "static" / "js" / "copy.js").read_text(encoding="utf-8")
    assert "navigator.clipboard" in script
    assert "data-copy-label" in script and "data-copied-label" in script
    assert "http" not in script  # nothing fetched from anywhere
    assert len(script) < 3000


def test_the_tokens_table_is_the_apps_table_with_the_apps_dates(client_for, bob, nordic):
    with time_machine.travel(CREATED, tick=False):
        used, raw = services.api_token_create(actor=bob, organisation=nordic, name="ci")
        services.api_token_create(actor=bob, organisation=nordic, name="export")
    with time_machine.travel(CREATED + timedelta(days=1, minutes=3), tick=False):
        services.api_token_authenticate(raw)
        services.api_token_revoke(actor=bob, token=used)
    body = client_for(bob).get(_url(nordic)).content.decode()
    assert re.search(r'<div class="table-wrap">\s*<table class="table[ "]', body)
    assert body.count("1 Dec 2026 21:46") == 2  # both created then, in Stockholm time
    assert "2 Dec 2026 21:49" in body  # last used, and revoked
    assert "revoked 2 Dec 2026 21:49" in body
    assert "p.m." not in body and "12/01/2026" not in body


def test_the_webhook_delivery_log_writes_dates_the_apps_way(client_for, alice, nordic):
    endpoint = WebhookEndpoint.objects.create(
        organisation=nordic,
        url="https://hooks.example/motmap",
        events=[Event.IDEA_CREATED.value],
        created_by=alice,
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=Event.IDEA_CREATED,
        status=DeliveryStatus.SUCCEEDED,
        attempts=1,
        created_at=CREATED,
        last_attempt_at=CREATED,
        delivered_at=CREATED,
    )
    client = client_for(alice)
    log = client.get(reverse("webhook_detail", args=[nordic.slug, endpoint.pk])).content.decode()
    assert "1 Dec 2026 21:46" in log and "p.m." not in log
    page = client.get(
        reverse("webhook_delivery", args=[nordic.slug, endpoint.pk, delivery.pk])
    ).content.decode()
    assert page.count("1 Dec 2026 21:46") == 3  # created, last attempt, delivered
    assert "p.m." not in page and "12/01/2026" not in page
