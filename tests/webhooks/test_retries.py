"""A failing endpoint: retried with backoff for a day, then given up, turned off, owners told."""

from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone

from motmap.models import OutboxEmail
from motmap.tasks import flush_outbox
from webhooks import delivery as webhook_delivery
from webhooks import services
from webhooks.models import DeliveryStatus, Event, WebhookDelivery
from webhooks.tasks import send_due_webhooks


def _emit(endpoint, captured):
    with captured(execute=True):
        services.emit(Event.IDEA_CREATED, endpoint.organisation, {"idea": {"id": "x"}})
    return WebhookDelivery.objects.get(event=Event.IDEA_CREATED)


def test_a_failing_endpoint_is_retried_with_backoff_then_given_up_and_turned_off(
    endpoint, receiver, alice, bob, django_capture_on_commit_callbacks
):
    receiver.status = 500
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        delivery = _emit(endpoint, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert delivery.last_response_code == 500
    assert "500" in delivery.last_error
    assert delivery.next_attempt_at == start + timedelta(minutes=1)

    # Not due yet: the sweep sends nothing.
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert send_due_webhooks.delay().get() == 0
    assert len(receiver.requests) == 1

    waits = []
    moment = start
    while delivery.next_attempt_at is not None:
        waits.append(delivery.next_attempt_at - moment)
        moment = delivery.next_attempt_at
        with time_machine.travel(moment, tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                send_due_webhooks.delay()
        delivery.refresh_from_db()
    assert waits[:7] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60)]
    assert set(waits[6:]) == {timedelta(minutes=60)}
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert moment - start <= timedelta(hours=24)
    assert moment - start > timedelta(hours=23)
    assert delivery.attempts == len(receiver.requests) == len(waits) + 1
    # Every attempt carries the same event id, with its own timestamp and signature.
    assert {r["headers"]["X-Motmap-Delivery"] for r in receiver.requests} == {
        str(delivery.event_id)
    }
    assert len({r["headers"]["X-Motmap-Timestamp"] for r in receiver.requests}) > 1

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert endpoint.disabled_at is not None
    assert "500" in endpoint.disabled_reason
    assert endpoint.consecutive_failures == delivery.attempts

    email = OutboxEmail.objects.get()
    assert email.to == alice.email  # owners only, not bob the manager
    assert "Nordic Air" in email.subject
    assert f"/o/nordic-air/webhooks/{endpoint.pk}/" in email.body_text
    assert f"/o/nordic-air/webhooks/{endpoint.pk}/" in email.body_html
    assert endpoint.url in email.body_text
    flush_outbox.delay()
    assert [m.to for m in mail.outbox] == [[alice.email]]

    # Turned off: new events are not written for it; turning it on again is a button.
    _ = services.emit(Event.IDEA_CREATED, endpoint.organisation, {})
    assert WebhookDelivery.objects.count() == 1


def test_a_success_resets_the_failure_count(endpoint, receiver, django_capture_on_commit_callbacks):
    receiver.status = 503
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        delivery = _emit(endpoint, django_capture_on_commit_callbacks)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1 and endpoint.failing_since
    receiver.status = 204
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        send_due_webhooks.delay()
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2
    assert endpoint.consecutive_failures == 0 and endpoint.failing_since is None
    assert endpoint.active


def test_two_workers_never_send_the_same_attempt(endpoint, receiver):
    delivery = services.emit(Event.IDEA_CREATED, endpoint.organisation, {})[0]
    assert webhook_delivery.claim(delivery.pk) is not None
    assert webhook_delivery.claim(delivery.pk) is None  # the second worker
    assert webhook_delivery.send_one(delivery.pk) is False
    assert receiver.requests == []


def test_a_worker_that_died_mid_attempt_is_retried_after_the_claim_expires(endpoint, receiver):
    delivery = services.emit(Event.IDEA_CREATED, endpoint.organisation, {})[0]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert webhook_delivery.claim(delivery.pk)  # ...and the worker died
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert webhook_delivery.due_ids() == []
    later = start + timedelta(seconds=webhook_delivery.claim_seconds() + 1)
    with time_machine.travel(later, tick=False):
        assert send_due_webhooks.delay().get() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2
    assert len(receiver.requests) == 1


def test_no_redirect_is_followed_and_the_answer_is_cut(endpoint, receiver):
    receiver.status = 302
    receiver.body = b"x" * 100_000
    delivery = services.emit(Event.IDEA_CREATED, endpoint.organisation, {})[0]
    webhook_delivery.send_one(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_response_code == 302
    assert len(delivery.response_excerpt) == webhook_delivery.RESPONSE_MAX_BYTES
    assert len(receiver.requests) == 1


def test_an_unreachable_endpoint_is_a_failed_attempt_not_a_crash(endpoint, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    receiver.server.shutdown()
    receiver.server.server_close()
    delivery = services.emit(Event.IDEA_CREATED, endpoint.organisation, {})[0]
    assert webhook_delivery.send_one(delivery.pk) is True
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_response_code is None
    assert delivery.last_error.startswith("Could not deliver")


def test_a_ping_is_tried_once(endpoint, receiver, alice, django_capture_on_commit_callbacks):
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        ping = services.endpoint_ping(actor=alice, endpoint=endpoint)
    ping.refresh_from_db()
    assert ping.status == DeliveryStatus.GAVE_UP
    assert ping.next_attempt_at is None
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 0
    assert receiver.json()["event"] == "ping"


def test_https_to_a_server_without_tls_is_a_failed_attempt(endpoint, receiver):
    endpoint.url = receiver.url.replace("http://", "https://")
    endpoint.save()
    delivery = services.emit(Event.IDEA_CREATED, endpoint.organisation, {})[0]
    assert webhook_delivery.send_one(delivery.pk) is True
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("Could not deliver")
    assert delivery.last_response_code is None


def test_turning_an_endpoint_off_stops_its_retries(endpoint, receiver, alice):
    receiver.status = 500
    delivery = services.emit(Event.IDEA_CREATED, endpoint.organisation, {})[0]
    send_due_webhooks.delay()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    services.endpoint_disable(actor=alice, endpoint=endpoint)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert delivery.next_attempt_at is None
    assert webhook_delivery.due_ids(now=timezone.now() + timedelta(days=2)) == []


def test_with_the_broker_down_the_sweep_sends_it_later(
    endpoint, receiver, django_capture_on_commit_callbacks, broker_away
):
    from motmap.celery import app as celery_app

    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.emit(Event.IDEA_CREATED, endpoint.organisation, {})[0]
    celery_app.conf.task_always_eager = True  # the broker is back
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    assert receiver.requests == []
    assert send_due_webhooks.delay().get() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1


def test_a_server_dripping_its_headers_cannot_hold_the_worker(endpoint, settings):
    """One byte every 0.3 s never trips a read's timeout: the attempt's deadline cuts it."""
    import socket
    import threading
    import time

    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    break
                if stop.wait(0.3):  # the pace of the drip; ends as soon as the test is done
                    break

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    endpoint.save(update_fields=["url"])
    delivery = services.emit(Event.IDEA_CREATED, endpoint.organisation, {})[0]
    started = time.monotonic()
    try:
        webhook_delivery.send_one(delivery.pk)
    finally:
        stop.set()
        listener.close()
    took = time.monotonic() - started
    assert took < webhook_delivery.attempt_seconds() + 2, took
    assert webhook_delivery.claim_seconds() > webhook_delivery.attempt_seconds()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("No answer in time")
