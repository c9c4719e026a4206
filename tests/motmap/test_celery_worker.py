"""A real Celery worker, fed through the real broker, sends an outbox email (see
tests/realworker.py for when this runs)."""

import json
import time
import uuid

from django.db import transaction
from django.urls import reverse

from motmap import services
from motmap.models import OutboxEmail, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.realworker import (
    REQUIRES_REAL_BROKER,
    TIMEOUT,
    real_broker,
    require_postgresql,
    tasks_done,
    text_part,
    wait_for,
    worker,
)

pytestmark = REQUIRES_REAL_BROKER


def test_a_real_worker_sends_an_outbox_email_through_the_broker(transactional_db, tmp_path):
    require_postgresql()
    org = OrganisationFactory(name="Nordic Air", slug="nordic-air")
    alice = UserFactory(email="alice@nordic-air.example", full_name="Alice Andersson")
    MembershipFactory(organisation=org, user=alice, role=Role.OWNER)
    queue = f"motmap-test-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"

    with real_broker(queue), worker(queue, mail_dir, log_path) as process:
        with transaction.atomic():
            _, token = services.invitation_create(
                actor=alice, organisation=org, email="dave@example.com", role=Role.STAFF
            )
        row = OutboxEmail.objects.get()  # committed; on commit the task went to Redis
        deadline = time.monotonic() + TIMEOUT
        files = []
        while time.monotonic() < deadline:
            row.refresh_from_db()
            files = list(mail_dir.iterdir())
            if row.sent_at and files:
                break
            if process.poll() is not None:
                break
            time.sleep(0.25)
        log = log_path.read_text(errors="replace")
        assert process.poll() is None, f"the worker stopped:\n{log}"
        assert row.sent_at and files, f"not sent within {TIMEOUT} s:\n{log}"

    assert len(files) == 1
    message, text = text_part(files[0])
    assert message["To"] == "dave@example.com"
    assert f"/invitations/{token}/" in text
    row.refresh_from_db()
    assert row.attempts == 1
    assert row.last_error == ""
    assert row.claimed_until is None


def test_the_workers_lines_for_a_task_carry_the_id_of_the_request_that_queued_it(
    transactional_db, tmp_path, client
):
    require_postgresql()
    org = OrganisationFactory(name="Nordic Air", slug="nordic-air")
    alice = UserFactory(email="alice@nordic-air.example", full_name="Alice Andersson")
    MembershipFactory(organisation=org, user=alice, role=Role.OWNER)
    client.force_login(alice)
    queue = f"motmap-test-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"

    with (
        real_broker(queue),
        worker(queue, mail_dir, log_path, env={"LOG_FORMAT": "json"}) as process,
    ):
        response = client.post(
            reverse("member_list", kwargs={"org_slug": org.slug}),
            {"email": "dave@example.com", "role": Role.STAFF},
        )
        assert response.status_code == 302
        wait_for(
            lambda: tasks_done(log_path, "motmap.tasks.send_outbox_email") == 1,
            process,
            log_path,
            "the invitation sent",
        )

    lines = [
        json.loads(line)
        for line in log_path.read_text().splitlines()
        if line.startswith("{") and "send_outbox_email" in line
    ]
    done = [line for line in lines if "succeeded" in line["message"]]
    assert len(done) == 1, lines
    assert done[0]["request_id"] == response["X-Request-ID"]
    assert done[0]["task"] == "motmap.tasks.send_outbox_email"
    assert "dave@example.com" not in json.dumps(lines)
