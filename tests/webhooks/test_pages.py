"""The owners' webhook pages: add, see the secret, rotate, ping, the log, replay, turn on."""

import re

import pytest
from django.urls import reverse

from webhooks import services
from webhooks.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from webhooks.tasks import send_due_webhooks


def _detail(endpoint):
    return reverse("webhook_detail", args=[endpoint.organisation.slug, endpoint.pk])


def test_an_owner_adds_a_webhook_and_sees_its_secret(
    alice, nordic, receiver, local_hooks, client_for
):
    client = client_for(alice)
    assert (
        "Webhooks" in client.get(reverse("organisation_home", args=[nordic.slug])).content.decode()
    )
    response = client.post(
        reverse("webhook_create", args=[nordic.slug]),
        {"url": receiver.url, "events": ["idea.created", "review.completed"], "description": "CRM"},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(endpoint)
    assert endpoint.events == ["idea.created", "review.completed"]
    assert endpoint.created_by == alice
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    page = client.get(_detail(endpoint)).content.decode()
    assert endpoint.secret in page
    assert "CRM" in page


def test_the_form_needs_an_event_and_keeps_the_text(alice, nordic, local_hooks, client_for):
    response = client_for(alice).post(
        reverse("webhook_create", args=[nordic.slug]), {"url": "https://x.example/in"}
    )
    assert response.status_code == 200
    assert "Choose at least one event." in response.content.decode()
    assert "https://x.example/in" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_edit_rotate_turn_off_and_on(endpoint, alice, client_for):
    client = client_for(alice)
    old_secret = endpoint.secret
    response = client.post(
        reverse("webhook_edit", args=["nordic-air", endpoint.pk]),
        {"url": endpoint.url, "events": ["action.overdue"], "description": "Ops"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["action.overdue"] and endpoint.description == "Ops"
    assert (
        client.post(reverse("webhook_rotate_secret", args=["nordic-air", endpoint.pk])).status_code
        == 302
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret and endpoint.secret_rotated_at
    client.post(reverse("webhook_disable", args=["nordic-air", endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.active and "Alice" in endpoint.disabled_reason
    page = client.get(_detail(endpoint)).content.decode()
    assert "Turn on again" in page
    client.post(reverse("webhook_enable", args=["nordic-air", endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.disabled_at is None and endpoint.disabled_reason == ""


def test_delete_asks_then_deletes(endpoint, alice, client_for):
    url = reverse("webhook_delete", args=["nordic-air", endpoint.pk])
    assert "Delete for good" in client_for(alice).get(url).content.decode()
    response = client_for(alice).post(url)
    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_ping_from_the_page_reaches_the_server(
    endpoint, alice, receiver, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(reverse("webhook_ping", args=["nordic-air", endpoint.pk]))
    assert response.status_code == 302
    assert receiver.json()["event"] == "ping"
    assert receiver.requests[0]["headers"]["X-Motmap-Event"] == "ping"
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_replay_from_the_log_sends_again_with_the_same_event_id(
    endpoint, alice, receiver, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.emit(Event.IDEA_CREATED, endpoint.organisation, {"idea": {"id": "1"}})
    first = WebhookDelivery.objects.get()
    client = client_for(alice)
    log = client.get(_detail(endpoint)).content.decode()
    delivery_url = reverse("webhook_delivery", args=["nordic-air", endpoint.pk, first.pk])
    assert delivery_url in log
    page = client.get(delivery_url).content.decode()
    assert "X-Motmap-Signature" in page and str(first.event_id) in page
    assert "Replay" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("webhook_delivery_replay", args=["nordic-air", endpoint.pk, first.pk])
        )
    assert response.status_code == 302
    replay = WebhookDelivery.objects.exclude(pk=first.pk).get()
    assert response["Location"] == reverse(
        "webhook_delivery", args=["nordic-air", endpoint.pk, replay.pk]
    )
    assert replay.replay_of == first
    assert replay.event_id == first.event_id
    assert replay.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 2
    one, two = receiver.requests
    assert one["headers"]["X-Motmap-Delivery"] == two["headers"]["X-Motmap-Delivery"]
    assert one["body"] == two["body"]


def test_replay_waits_for_a_delivery_still_being_tried_and_for_a_turned_off_endpoint(
    endpoint, alice, receiver, client_for
):
    receiver.status = 500
    delivery = services.emit(Event.IDEA_CREATED, endpoint.organisation, {})[0]
    send_due_webhooks.delay()
    url = reverse("webhook_delivery_replay", args=["nordic-air", endpoint.pk, delivery.pk])
    response = client_for(alice).post(url, follow=True)
    assert "still being tried" in response.content.decode()
    services.endpoint_disable(actor=alice, endpoint=endpoint)
    response = client_for(alice).post(url, follow=True)
    assert "Turn the endpoint on" in response.content.decode()
    assert WebhookDelivery.objects.count() == 1


def test_the_log_filters_and_pages(endpoint, alice, client_for):
    rows = [
        WebhookDelivery(
            endpoint=endpoint, event=Event.IDEA_CREATED, status=DeliveryStatus.SUCCEEDED
        )
        for _ in range(30)
    ] + [
        WebhookDelivery(
            endpoint=endpoint, event=Event.ACTION_OVERDUE, status=DeliveryStatus.GAVE_UP
        )
    ]
    WebhookDelivery.objects.bulk_create(rows)
    client = client_for(alice)
    page = client.get(_detail(endpoint)).content.decode()
    assert "Page 1 of 2" in page
    page = client.get(_detail(endpoint), {"status": "gave_up"}).content.decode()
    assert len(re.findall(r"<code>action\.overdue</code>", page)) == 1
    assert "<code>idea.created</code>" not in page
    page = client.get(_detail(endpoint), {"event": "idea.created", "page": "2"}).content.decode()
    assert "Page 2 of 2" in page
    # Nonsense filters are ignored, never a 500.
    assert client.get(_detail(endpoint), {"status": "x", "page": "zz"}).status_code == 200


def test_the_log_page_makes_a_fixed_number_of_queries(
    endpoint, alice, client_for, django_assert_max_num_queries
):
    client = client_for(alice)
    client.get(_detail(endpoint))  # the first visit notes the organisation in the session
    counts = []
    for n in (1, 60):
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(endpoint=endpoint, event=Event.IDEA_CREATED) for _ in range(n)
        )
        with django_assert_max_num_queries(10) as queries:
            assert client.get(_detail(endpoint)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("persona", ["bob", "carol"])
def test_managers_and_staff_are_refused(persona, endpoint, personas, client_for):
    client = client_for(personas[persona])
    assert client.get(reverse("webhook_list", args=["nordic-air"])).status_code == 403
    assert client.get(_detail(endpoint)).status_code == 403
    assert (
        client.post(reverse("webhook_rotate_secret", args=["nordic-air", endpoint.pk])).status_code
        == 403
    )
    response = client.post(
        reverse("webhook_create", args=["nordic-air"]),
        {"url": "https://hooks.example.com/", "events": ["idea.created"]},
    )
    assert response.status_code == 403
    assert WebhookEndpoint.objects.count() == 1
    page = client.get(reverse("organisation_home", args=["nordic-air"])).content.decode()
    assert reverse("webhook_list", args=["nordic-air"]) not in page


def test_another_orgs_endpoint_and_delivery_are_404(endpoint, mallory, client_for):
    delivery = services.emit(Event.IDEA_CREATED, endpoint.organisation, {})[0]
    client = client_for(mallory)
    for slug in ("nordic-air", "mallory-mart"):
        assert client.get(reverse("webhook_detail", args=[slug, endpoint.pk])).status_code == 404
        assert (
            client.get(
                reverse("webhook_delivery", args=[slug, endpoint.pk, delivery.pk])
            ).status_code
            == 404
        )
        assert (
            client.post(
                reverse("webhook_delivery_replay", args=[slug, endpoint.pk, delivery.pk])
            ).status_code
            == 404
        )
        assert client.post(reverse("webhook_delete", args=[slug, endpoint.pk])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert WebhookDelivery.objects.count() == 1


def test_a_delivery_under_another_endpoint_of_the_same_org_is_404(endpoint, alice, client_for):
    other = WebhookEndpoint.objects.create(
        organisation=endpoint.organisation, url=endpoint.url, events=["idea.created"]
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=Event.IDEA_CREATED)
    url = reverse("webhook_delivery", args=["nordic-air", other.pk, delivery.pk])
    assert client_for(alice).get(url).status_code == 404
