"""What is kept and for how long: sent emails and finished webhook deliveries are pruned after
RETENTION_DAYS; failed emails stay, shown to owners, who send them again."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.utils import timezone

from motmap import outbox
from motmap.models import OutboxEmail
from motmap.tasks import prune_old_rows
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.tasks import prune_old_deliveries

pytestmark = pytest.mark.django_db
FAILED = "/o/nordic-air/emails/failed/"


def email(organisation=None, *, age_days=0, sent=False, failed=False, subject="Hello"):
    at = timezone.now() - timedelta(days=age_days)
    return OutboxEmail.objects.create(
        organisation=organisation,
        to="dave@example.com",
        subject=subject,
        body_text="Hello Dave",
        created_at=at,
        sent_at=at if sent else None,
        failed_at=at if failed else None,
        attempts=12 if failed else (1 if sent else 0),
        last_error="550 mailbox unavailable" if failed else "",
    )


def test_sent_emails_older_than_the_retention_are_pruned_and_the_rest_kept(nordic):
    old_sent = email(nordic, age_days=settings.RETENTION_DAYS + 1, sent=True)
    recent_sent = email(nordic, age_days=settings.RETENTION_DAYS - 1, sent=True)
    old_waiting = email(nordic, age_days=settings.RETENTION_DAYS + 5)
    old_failed = email(nordic, age_days=settings.RETENTION_DAYS + 5, failed=True)

    assert prune_old_rows.delay().get() == 1

    left = set(OutboxEmail.objects.values_list("pk", flat=True))
    assert old_sent.pk not in left
    assert {recent_sent.pk, old_waiting.pk, old_failed.pk} <= left


def test_the_retention_is_a_setting(nordic, settings):
    settings.RETENTION_DAYS = 7
    email(nordic, age_days=8, sent=True)
    kept = email(nordic, age_days=6, sent=True)

    prune_old_rows.delay().get()

    assert list(OutboxEmail.objects.values_list("pk", flat=True)) == [kept.pk]


def test_expired_sessions_are_cleared(alice, client_for):
    client_for(alice)  # a live session
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1)
    )

    prune_old_rows.delay().get()

    assert Session.objects.count() == 1
    assert Session.objects.get().expire_date > timezone.now()


def test_finished_deliveries_older_than_the_retention_are_pruned(nordic):
    endpoint = WebhookEndpoint.objects.create(
        organisation=nordic, url="https://hooks.example.com/motmap", events=["idea.created"]
    )
    old = timezone.now() - timedelta(days=settings.RETENTION_DAYS + 1)

    def delivery(status, created_at):
        return WebhookDelivery.objects.create(
            endpoint=endpoint, event="idea.created", status=status, created_at=created_at
        )

    pruned = [delivery(DeliveryStatus.SUCCEEDED, old), delivery(DeliveryStatus.GAVE_UP, old)]
    kept = [
        delivery(DeliveryStatus.PENDING, old),
        delivery(DeliveryStatus.FAILED, old),  # still retrying
        delivery(DeliveryStatus.SUCCEEDED, timezone.now()),
    ]

    assert prune_old_deliveries.delay().get() == 2

    left = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert left == {d.pk for d in kept}
    assert not left & {d.pk for d in pruned}


def test_the_beat_prunes_daily():
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["motmap.tasks.prune_old_rows"] == 24 * 3600
    assert schedule["webhooks.tasks.prune_old_deliveries"] == 24 * 3600


# --- failed emails: owners see them and send them again -------------------------------------


def test_owners_see_their_failed_emails_only(nordic, other_org, alice, client_for):
    mine = email(nordic, failed=True, subject="Review on Monday")
    email(nordic, sent=True, subject="Went out fine")
    email(other_org, failed=True, subject="Mallory's failure")

    page = client_for(alice).get(FAILED).content.decode()

    assert "Review on Monday" in page and "550 mailbox unavailable" in page
    assert f"/o/nordic-air/emails/{mine.pk}/resend/" in page
    assert "Went out fine" not in page and "Mallory" not in page


def test_an_organisation_without_failures_says_so(alice, client_for):
    assert "No email has failed" in client_for(alice).get(FAILED).content.decode()


def test_settings_link_to_the_failed_emails(alice, client_for):
    assert FAILED in client_for(alice).get("/o/nordic-air/settings/").content.decode()


def test_an_owner_sends_a_failed_email_again(
    nordic, alice, client_for, django_capture_on_commit_callbacks
):
    failed = email(nordic, failed=True, subject="Review on Monday")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(f"/o/nordic-air/emails/{failed.pk}/resend/", follow=True)

    assert "on its way again" in response.content.decode()
    failed.refresh_from_db()
    assert failed.sent_at is not None and failed.failed_at is None
    assert [m.subject for m in mail.outbox] == ["Review on Monday"]
    assert mail.outbox[0].extra_headers["Message-ID"] == outbox.message_id(failed)


def test_an_email_that_is_not_failed_is_not_sent_again(nordic, alice, client_for):
    sent = email(nordic, sent=True)

    response = client_for(alice).post(f"/o/nordic-air/emails/{sent.pk}/resend/", follow=True)

    assert "no longer failed" in response.content.decode()
    assert mail.outbox == []
    assert OutboxEmail.objects.get(pk=sent.pk).attempts == 1


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_only_owners_send_again(nordic, who, request, client_for):
    failed = email(nordic, failed=True)

    response = client_for(request.getfixturevalue(who)).post(
        f"/o/nordic-air/emails/{failed.pk}/resend/"
    )

    assert response.status_code == 403
    assert OutboxEmail.objects.get(pk=failed.pk).failed_at is not None


def test_another_organisations_email_is_not_found(other_org, alice, client_for):
    theirs = email(other_org, failed=True)

    response = client_for(alice).post(f"/o/nordic-air/emails/{theirs.pk}/resend/")

    assert response.status_code == 404
    assert OutboxEmail.objects.get(pk=theirs.pk).failed_at is not None
