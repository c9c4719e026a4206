"""The email outbox: written with the change, sent at least once (a second time only when an
attempt's outcome is lost, with the same Message-ID), retried, flushed."""

import re
import smtplib
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import get_connection
from django.core.mail.backends.locmem import EmailBackend
from django.db import OperationalError, connection, transaction

from motmap import outbox, services
from motmap.celery import app as celery_app
from motmap.models import Invitation, OutboxEmail, Role
from motmap.tasks import flush_outbox, send_outbox_email

pytestmark = pytest.mark.django_db


def queue(to="dave@example.com", organisation=None):
    return outbox.queue_email(
        to=to,
        template="password_reset",
        organisation=organisation,
        context={
            "protocol": "https",
            "domain": "motmap.example",
            "uid": "MQ",
            "token": "abc-def",
            "user": {"email": to},
        },
    )


class FlakyBackend:
    """Patches the locmem backend: the first `failures` sends raise, the rest go through."""

    def __init__(self, failures):
        self.failures = failures
        self.calls = 0
        self.real = EmailBackend.send_messages

    def __call__(self, backend, messages):
        self.calls += 1
        if self.calls <= self.failures:
            raise smtplib.SMTPServerDisconnected("mail server went away")
        return self.real(backend, messages)


@pytest.fixture
def eager_retries():
    """Let Celery's eager mode run a task's retries in-process, as a worker would.

    With task_eager_propagates (set for the test session) a retry is raised to the caller;
    without it, `apply` runs the retried task again at once.
    """
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


def flaky(failures):
    return mock.patch.object(
        EmailBackend, "send_messages", autospec=True, side_effect=FlakyBackend(failures)
    )


# --- written in the same transaction ------------------------------------------------------


def test_email_is_written_and_sent_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            email = queue()
            assert mail.outbox == []  # nothing leaves before the commit

    assert len(callbacks) == 1
    email.refresh_from_db()
    assert email.sent_at is not None
    assert email.attempts == 1
    assert email.claimed_until is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dave@example.com"]
    assert "https://motmap.example/accounts/reset/MQ/abc-def/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="https://motmap.example/accounts/reset/MQ/abc-def/"' in html


def test_a_rolled_back_change_leaves_no_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            queue()
            raise RuntimeError("the change failed")

    assert callbacks == []
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


def test_a_refused_invitation_leaves_no_email(
    alice, bob, nordic, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.invitation_create(
            actor=alice, organisation=nordic, email=bob.email, role=Role.STAFF
        )
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


def test_an_invitation_rolled_back_with_its_email(
    alice, nordic, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.invitation_create(
                actor=alice, organisation=nordic, email="dave@example.com", role=Role.STAFF
            )
            assert OutboxEmail.objects.count() == 1
            raise RuntimeError("something after it failed")

    assert not Invitation.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


def test_subject_is_one_plain_line():
    email = queue()
    assert email.subject == "Choose a new password for motmap"
    assert "\n" not in email.subject


# --- sent once ----------------------------------------------------------------------------


def test_sending_the_same_row_twice_sends_once():
    email = queue()

    assert outbox.send_one(email.pk) is True
    assert outbox.send_one(email.pk) is False
    send_outbox_email.delay(str(email.pk))

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_sent_is_marked_by_a_conditional_update():
    email = queue()
    sent_at = datetime(2030, 1, 1, tzinfo=UTC)
    OutboxEmail.objects.filter(pk=email.pk).update(sent_at=sent_at)

    assert outbox.send_one(email.pk) is False

    email.refresh_from_db()
    assert email.sent_at == sent_at
    assert mail.outbox == []


def test_an_email_claimed_by_another_worker_is_left_to_it():
    email = queue()
    assert outbox.claim(email.pk) is not None  # another worker is sending it now

    assert outbox.send_one(email.pk) is False
    assert flush_outbox() == 0
    assert mail.outbox == []


def test_a_claim_that_ran_out_is_taken_over():
    with time_machine.travel(datetime(2030, 1, 1, 9, 0, tzinfo=UTC), tick=False):
        email = queue()
        assert outbox.claim(email.pk)  # that worker died
    later = datetime(2030, 1, 1, 9, 0, tzinfo=UTC) + timedelta(seconds=outbox.claim_seconds() + 1)
    with time_machine.travel(later, tick=False):
        assert outbox.send_one(email.pk) is True
    assert len(mail.outbox) == 1


def test_the_database_lost_right_after_the_claim_leaves_no_claim_to_wait_out():
    """The claim and the reading of the email are one transaction: losing the database between
    them undoes the claim, so the retry sends the email at once (not a claim's time later)."""
    email = queue()

    def lost_after_the_claim(execute, sql, params, many, context):
        if sql.lstrip().startswith("SELECT") and OutboxEmail._meta.db_table in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(lost_after_the_claim), pytest.raises(OperationalError):
        outbox.send_one(email.pk)
    email.refresh_from_db()
    assert email.claimed_until is None and email.attempts == 0

    assert outbox.send_one(email.pk) is True  # the retry
    assert len(mail.outbox) == 1


class WorkerDied(BaseException):
    """The process is gone (SIGKILL, the machine lost): nothing after this point runs."""


def test_a_worker_that_dies_between_send_and_mark_sends_it_again_with_the_same_message_id():
    start = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        email = queue()
        # The mail server accepts the message (the real locmem backend keeps it), then the
        # worker dies before its "sent" UPDATE.
        with (
            mock.patch.object(outbox, "mark_sent", side_effect=WorkerDied),
            pytest.raises(WorkerDied),
        ):
            outbox.send_one(email.pk)
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.sent_at is None and email.claimed_until is not None

    # While the claim holds, neither a retry nor the sweep sends it.
    claim = timedelta(seconds=outbox.claim_seconds())
    with time_machine.travel(start + claim - timedelta(seconds=1), tick=False):
        assert outbox.send_one(email.pk) is False
        assert flush_outbox() == 0
    assert len(mail.outbox) == 1

    # The claim ran out: the sweep sends it a second time, as the same message.
    later = start + claim + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert flush_outbox() == 1
    first, second = mail.outbox
    assert first.message()["Message-ID"] == second.message()["Message-ID"]
    assert first.message()["Message-ID"] == outbox.message_id(email)
    email.refresh_from_db()
    assert email.sent_at == later and email.claimed_until is None
    assert email.attempts == 2

    # Marked sent once: nothing sends it again.
    with time_machine.travel(later + 10 * claim, tick=False):
        assert outbox.send_one(email.pk) is False
        assert flush_outbox() == 0
    assert len(mail.outbox) == 2


def test_the_message_id_is_the_same_on_every_attempt_and_unique_per_row(eager_retries):
    first, second = queue("first@example.com"), queue("second@example.com")
    assert outbox.message_id(first) == f"<outbox-{first.pk}@motmap.localhost>"
    assert outbox.message_id(first) != outbox.message_id(second)
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", outbox.message_id(first))

    with flaky(failures=1):  # the first attempt fails, the retry sends
        send_outbox_email.delay(str(first.pk))
    send_outbox_email.delay(str(second.pk))
    assert [m.message()["Message-ID"] for m in mail.outbox] == [
        outbox.message_id(first),
        outbox.message_id(second),
    ]


def test_the_message_id_keeps_the_other_headers(settings):
    email = outbox.queue_email(
        to="dave@example.com",
        template="password_reset",
        context={"protocol": "https", "domain": "m.example", "uid": "MQ", "token": "t"},
        headers={"X-Motmap-Notice": "paused"},
    )
    outbox.send_one(email.pk)
    message = mail.outbox[0].message()
    assert message["X-Motmap-Notice"] == "paused"
    assert message["Message-ID"] == outbox.message_id(email)


def test_the_message_id_domain_falls_back_to_the_site(settings):
    settings.DEFAULT_FROM_EMAIL = "motmap"
    settings.SITE_URL = "https://motmap.example.org"
    email = queue()
    assert outbox.message_id(email) == f"<outbox-{email.pk}@motmap.example.org>"


def test_the_claim_outlasts_the_slowest_send_the_smtp_timeout_allows(settings):
    assert settings.EMAIL_TIMEOUT and settings.EMAIL_TIMEOUT > 0
    smtp = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert smtp.timeout == settings.EMAIL_TIMEOUT  # each exchange is bounded
    slowest = outbox.SMTP_EXCHANGES * settings.EMAIL_TIMEOUT
    assert outbox.claim_seconds() >= 2 * slowest
    settings.EMAIL_TIMEOUT = 120
    assert outbox.claim_seconds() >= 2 * outbox.SMTP_EXCHANGES * 120
    settings.EMAIL_TIMEOUT = None
    with pytest.raises(ImproperlyConfigured, match="EMAIL_TIMEOUT"):
        outbox.claim_seconds()


def test_an_unknown_email_id_is_ignored():
    assert outbox.send_one("00000000-0000-0000-0000-000000000000") is False
    send_outbox_email.delay("00000000-0000-0000-0000-000000000000")
    assert mail.outbox == []


# --- transport failures and retries -------------------------------------------------------


def test_a_transport_failure_keeps_the_email_unsent_with_the_error():
    email = queue()

    with flaky(failures=1), pytest.raises(smtplib.SMTPServerDisconnected):
        outbox.send_one(email.pk)

    email.refresh_from_db()
    assert email.sent_at is None
    assert email.failed_at is None
    assert email.claimed_until is None  # free for the retry
    assert email.attempts == 1
    assert "mail server went away" in email.last_error
    assert outbox.pending_ids() == [email.pk]


def test_the_task_retries_after_a_transport_failure_and_sends_once(eager_retries):
    email = queue()

    with flaky(failures=2) as send:
        send_outbox_email.delay(str(email.pk))

    assert send.call_count == 3
    email.refresh_from_db()
    assert email.sent_at is not None
    assert email.attempts == 3
    assert email.last_error == ""
    assert len(mail.outbox) == 1


def test_the_task_asks_celery_for_a_retry_with_backoff():
    email = queue()

    with (
        flaky(failures=1),
        mock.patch.object(
            send_outbox_email, "retry", side_effect=RuntimeError("retry asked")
        ) as retry,
    ):
        with pytest.raises(RuntimeError, match="retry asked"):
            send_outbox_email.apply(args=[str(email.pk)], throw=True)

    assert retry.call_count == 1
    assert retry.call_args.kwargs["countdown"] == 30
    assert isinstance(retry.call_args.kwargs["exc"], smtplib.SMTPServerDisconnected)


def test_an_email_that_keeps_failing_is_given_up_after_the_last_attempt(settings, eager_retries):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    email = queue()

    with flaky(failures=100) as send:
        send_outbox_email.delay(str(email.pk))

    assert send.call_count == 3
    email.refresh_from_db()
    assert email.sent_at is None
    assert email.failed_at is not None
    assert "mail server went away" in email.last_error
    assert outbox.pending_ids() == []
    assert flush_outbox() == 0


def test_the_task_retries_as_many_times_as_the_setting_says(settings, eager_retries):
    settings.OUTBOX_MAX_ATTEMPTS = 12
    email = queue()

    with flaky(failures=100) as send:
        send_outbox_email.delay(str(email.pk))

    assert send.call_count == 12
    email.refresh_from_db()
    assert email.attempts == 12 and email.failed_at is not None


def test_a_mail_server_outage_does_not_break_the_page(
    alice, client_for, django_capture_on_commit_callbacks
):
    with flaky(failures=100), django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            "/o/nordic-air/members/", {"email": "dave@example.com", "role": Role.STAFF}
        )

    assert response.status_code == 302
    assert Invitation.objects.filter(email="dave@example.com").exists()
    email = OutboxEmail.objects.get()
    assert email.sent_at is None
    assert email.last_error


# --- broker down: flush_outbox ------------------------------------------------------------


def test_broker_down_leaves_the_email_pending_and_flush_sends_it_once(
    django_capture_on_commit_callbacks, broker_away, caplog
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        email = queue()

    assert len(callbacks) == 1
    assert "flush_outbox will send it" in caplog.text
    celery_app.conf.task_always_eager = True  # the broker is back
    email.refresh_from_db()
    assert email.sent_at is None
    assert email.attempts == 0
    assert outbox.pending_ids() == [email.pk]
    assert mail.outbox == []

    assert flush_outbox.delay().get() == 1
    assert flush_outbox() == 0

    email.refresh_from_db()
    assert email.sent_at is not None
    assert len(mail.outbox) == 1


def test_broker_down_during_a_request_does_not_break_the_page(
    alice, client_for, django_capture_on_commit_callbacks, broker_away
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            "/o/nordic-air/members/", {"email": "dave@example.com", "role": Role.STAFF}
        )

    assert response.status_code == 302
    assert OutboxEmail.objects.get().sent_at is None
    flush_outbox()
    assert mail.outbox[0].to == ["dave@example.com"]


def test_flush_sends_oldest_first_and_skips_sent_and_given_up(settings):
    with time_machine.travel(datetime(2030, 1, 1, 9, 0, tzinfo=UTC), tick=False):
        first = queue("first@example.com")
    with time_machine.travel(datetime(2030, 1, 1, 9, 5, tzinfo=UTC), tick=False):
        second = queue("second@example.com")
    sent = queue("sent@example.com")
    OutboxEmail.objects.filter(pk=sent.pk).update(sent_at=datetime(2030, 1, 1, tzinfo=UTC))
    given_up = queue("given-up@example.com")
    OutboxEmail.objects.filter(pk=given_up.pk).update(failed_at=datetime(2030, 1, 1, tzinfo=UTC))

    assert outbox.pending_ids() == [first.pk, second.pk]
    assert flush_outbox() == 2
    assert [m.to for m in mail.outbox] == [["first@example.com"], ["second@example.com"]]


def test_flush_goes_on_after_one_email_fails():
    queue("first@example.com")
    queue("second@example.com")

    with flaky(failures=1):
        assert flush_outbox() == 1

    assert len(mail.outbox) == 1
    assert OutboxEmail.objects.filter(sent_at__isnull=True).count() == 1
    assert flush_outbox() == 1
    assert len(mail.outbox) == 2


def test_flush_is_on_the_beat_schedule(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert any(entry["task"] == "motmap.tasks.flush_outbox" for entry in schedule.values())
