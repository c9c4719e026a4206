"""End to end: a real Celery worker with its beat, on the real Redis and PostgreSQL, finds a due
review reminder, writes it to the outbox and sends it (see tests/realworker.py for when this
runs)."""

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from journeys import services as journey_services
from journeys.models import Journey
from motmap.models import Membership, OutboxEmail, Role
from notifications.models import Frequency, Kind, NotificationSetting
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.realworker import (
    REQUIRES_REAL_BROKER,
    real_broker,
    require_postgresql,
    tasks_done,
    text_part,
    wait_for,
    worker,
)

pytestmark = REQUIRES_REAL_BROKER
SWEEP = "reviews.tasks.send_due_reminders"


def test_the_beat_sweeps_and_the_worker_sends_a_due_reminder_once(transactional_db, tmp_path):
    require_postgresql()
    org = OrganisationFactory(name="Nordic Air", slug="nordic-air")
    bob = UserFactory(email="bob@nordic-air.example", full_name="Bob Berg")
    MembershipFactory(organisation=org, user=bob, role=Role.MANAGER)
    NotificationSetting.objects.create(
        membership=Membership.objects.get(user=bob),
        kind=Kind.REMINDERS,
        frequency=Frequency.IMMEDIATELY,
    )
    with transaction.atomic():
        journey = journey_services.journey_create(actor=bob, organisation=org, name="Business trip")
    due_at = timezone.now() - timedelta(minutes=1)
    Journey.objects.filter(pk=journey.pk).update(
        next_review_on=timezone.localdate(timezone=org.tzinfo) + timedelta(days=3),
        next_reminder_at=due_at,
    )
    queue = f"motmap-test-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"

    with (
        real_broker(queue),
        worker(
            queue,
            mail_dir,
            log_path,
            beat_schedule=tmp_path / "beat-schedule",
            env={"REMINDER_SWEEP_SECONDS": "0.5"},
        ) as process,
    ):
        wait_for(lambda: any(mail_dir.iterdir()), process, log_path, "the reminder email")
        # A few more sweeps by the beat: nothing more may be sent.
        sweeps = tasks_done(log_path, SWEEP)
        wait_for(
            lambda: tasks_done(log_path, SWEEP) >= sweeps + 3, process, log_path, "three sweeps"
        )

    (sent,) = list(mail_dir.iterdir())
    message, text = text_part(sent)
    assert message["To"] == "bob@nordic-air.example"
    assert message["Subject"] == "[Nordic Air] Review coming up: Business trip"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "due in 3 days" in text
    row = OutboxEmail.objects.get()
    assert row.sent_at is not None
    journey.refresh_from_db()
    assert journey.next_reminder_at > timezone.now()
