"""Digests: one email per person and frequency, at 08:00 in the org's time zone, each notice
in exactly one digest."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.test import TestCase

from motmap.models import Membership, OutboxEmail
from notifications import services
from notifications.models import Frequency, Kind, NotificationSetting, PendingNotice

MONDAY_8 = datetime(2027, 3, 29, 6, 0, tzinfo=UTC)  # 08:00 in Stockholm (summer time)


def notice(membership, kind, text, url="/o/nordic-air/"):
    return services.Notice(
        membership=membership, kind=kind, template="review_reminder", text=text, url=url
    )


def digests(**options):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.send_due_digests(**options)


@pytest.fixture
def bob_m(bob, nordic):
    return Membership.objects.select_related("user", "organisation").get(user=bob)


def test_a_weekly_digest_gathers_the_week_into_one_email_on_monday_morning(bob_m):
    with time_machine.travel(datetime(2027, 3, 24, 15, 0, tzinfo=UTC), tick=False):  # Wednesday
        services.deliver([notice(bob_m, Kind.REMINDERS, "The review of “Business trip” is due")])
    with time_machine.travel(datetime(2027, 3, 26, 9, 0, tzinfo=UTC), tick=False):  # Friday
        services.deliver(
            [
                notice(
                    bob_m, Kind.NEW_IDEAS, "New idea #7: Greet callers by name", "/o/x/ideas/7/"
                ),
                notice(bob_m, Kind.NEW_IDEAS, "New idea #8: <b>Free coffee</b>"),
            ]
        )
    assert PendingNotice.objects.filter(deliver_after=MONDAY_8).count() == 3
    with time_machine.travel(MONDAY_8 - timedelta(seconds=1), tick=False):
        assert digests() == 0
    with time_machine.travel(MONDAY_8, tick=False):
        assert digests() == 1
        assert digests() == 0
    (message,) = mail.outbox
    assert message.to == ["bob@nordic-air.example"]
    assert message.subject == "[Nordic Air] Your weekly digest: 3 items"
    assert message.body.index("Review and action reminders") < message.body.index("New ideas")
    assert "Greet callers by name" in message.body and "/o/x/ideas/7/" in message.body
    html = message.alternatives[0][0]
    assert "&lt;b&gt;Free coffee&lt;/b&gt;" in html and "<b>Free coffee" not in html
    assert "/unsubscribe/" in message.body and "/unsubscribe/" in html
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert not PendingNotice.objects.filter(sent_at__isnull=True).exists()


def test_daily_and_weekly_digests_are_separate_emails(bob_m):
    NotificationSetting.objects.create(
        membership=bob_m, kind=Kind.COMMENTS, frequency=Frequency.DAILY
    )
    with time_machine.travel(datetime(2027, 3, 28, 10, 0, tzinfo=UTC), tick=False):  # Sunday
        services.deliver(
            [notice(bob_m, Kind.COMMENTS, "Carol commented"), notice(bob_m, Kind.NEW_IDEAS, "Idea")]
        )
    with time_machine.travel(MONDAY_8 + timedelta(minutes=5), tick=False):
        assert digests() == 2
    assert sorted(m.subject for m in mail.outbox) == [
        "[Nordic Air] Your daily digest: 1 item",
        "[Nordic Air] Your weekly digest: 1 item",
    ]


def test_the_unsubscribe_link_of_a_digest_turns_off_its_kinds(bob_m):
    token = services.unsubscribe_token(bob_m, [Kind.NEW_IDEAS, Kind.REMINDERS])
    services.unsubscribe(token)
    assert services.frequencies([bob_m])[bob_m.pk] == {
        Kind.REMINDERS: Frequency.OFF,
        Kind.DECISIONS: Frequency.IMMEDIATELY,
        Kind.NEW_IDEAS: Frequency.OFF,
        Kind.COMMENTS: Frequency.WEEKLY,
        Kind.FEEDBACK_ALERTS: Frequency.IMMEDIATELY,
    }
    services.deliver([notice(bob_m, Kind.NEW_IDEAS, "Idea")])
    assert not PendingNotice.objects.exists() and not OutboxEmail.objects.exists()


@pytest.mark.parametrize("token", ["", "x", "a" * 10_000, "eyJ\x00", "..:.:"])
def test_a_forged_unsubscribe_token_changes_nothing(bob_m, token):
    assert services.unsubscribe(token) is None
    assert not NotificationSetting.objects.exists()


def test_a_tampered_token_for_someone_else_is_refused(bob_m, carol, nordic):
    token = services.unsubscribe_token(bob_m, [Kind.REMINDERS])
    carol_m = Membership.objects.get(user=carol)
    bob_payload = signing.b64_encode(f'{{"m":"{bob_m.pk}","k":["reminders"]}}'.encode()).decode()
    carol_payload = signing.b64_encode(
        f'{{"m":"{carol_m.pk}","k":["reminders"]}}'.encode()
    ).decode()
    assert token.startswith(bob_payload)
    forged = carol_payload + token[len(bob_payload) :]  # bob's signature on carol's payload
    assert services.unsubscribe(forged) is None
    assert not NotificationSetting.objects.exists()


def test_a_digest_is_claimed_once_even_when_swept_twice_at_the_same_moment(bob_m):
    with time_machine.travel(datetime(2027, 3, 24, tzinfo=UTC), tick=False):
        services.deliver([notice(bob_m, Kind.NEW_IDEAS, f"Idea {i}") for i in range(5)])
    with time_machine.travel(MONDAY_8, tick=False):
        assert digests(batch_size=2) == 3  # notices claimed 2 + 2 + 1: one email each batch
        assert digests(batch_size=2) == 0
    assert PendingNotice.objects.filter(sent_at__isnull=True).count() == 0
    assert sum(m.body.count("- Idea ") for m in mail.outbox) == 5


def test_a_digest_goes_out_at_eight_in_the_recipients_org_time_zone(bob_m, nordic):
    nordic.time_zone = "America/New_York"
    nordic.save()
    bob_m.organisation.time_zone = "America/New_York"
    with time_machine.travel(datetime(2027, 3, 24, tzinfo=UTC), tick=False):
        services.deliver([notice(bob_m, Kind.NEW_IDEAS, "Idea")])
    assert PendingNotice.objects.get().deliver_after == datetime(2027, 3, 29, 12, 0, tzinfo=UTC)
