"""A real Celery worker, fed through the real broker, delivers a webhook to a local server
(see tests/realworker.py for when this runs)."""

import uuid

from django.db import transaction

from tests.realworker import REQUIRES_REAL_BROKER, real_broker, require_postgresql, wait_for, worker
from tests.webhooks.conftest import verify
from webhooks import services
from webhooks.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint

pytestmark = REQUIRES_REAL_BROKER


def test_a_real_worker_delivers_a_webhook_to_a_local_server(
    transactional_db, tmp_path, receiver, nordic, alice
):
    require_postgresql()
    endpoint = WebhookEndpoint.objects.create(
        organisation=nordic, url=receiver.url, events=["review.completed"], created_by=alice
    )
    queue = f"motmap-test-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"
    env = {"WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true"}
    with (
        real_broker(queue, tasks=["webhooks.tasks.send_webhook"]),
        worker(queue, mail_dir, log_path, env=env) as process,
    ):
        with transaction.atomic():
            services.emit(Event.REVIEW_COMPLETED, nordic, {"review": {"id": "r1"}})
        delivery = WebhookDelivery.objects.get()  # committed; on commit the task went to Redis

        def delivered():
            delivery.refresh_from_db()
            return delivery.status == DeliveryStatus.SUCCEEDED and receiver.requests

        wait_for(delivered, process, log_path, "the webhook was not delivered")

    assert len(receiver.requests) == 1
    payload = verify(receiver.requests[0], endpoint.secret)
    assert payload["id"] == str(delivery.event_id)
    assert payload["event"] == "review.completed"
    assert payload["data"] == {"review": {"id": "r1"}}
    assert delivery.attempts == 1
    assert delivery.next_attempt_at is None
