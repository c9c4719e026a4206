"""Idea notifications go through notifications.deliver: each person's choice applies.

Decisions reach the author, voters and commenters; new ideas the touchpoint's and journey's
owners; comments the idea's author and earlier commenters. An anonymous idea leaves no trace.
"""

import pytest
from django.core import mail

from ideas import services
from ideas.models import IdeaStatus
from motmap.models import Membership, OutboxEmail, Role
from notifications import services as notification_services
from notifications.models import Frequency, Kind, PendingNotice
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://motmap.example"


def choose(user, org, **choices):
    membership = Membership.objects.get(user=user, organisation=org)
    notification_services.settings_update(actor=user, membership=membership, choices=choices)


def submit(actor, touchpoint, **fields):
    fields = {"title": "Greet by name", "today": "Silence.", "proposal": "Say hello.", **fields}
    idea, _ = services.idea_submit(actor=actor, touchpoint=touchpoint, **fields)
    return idea


def staff(org, email, name="Dave Dahl"):
    user = UserFactory(email=email, full_name=name)
    MembershipFactory(organisation=org, user=user, role=Role.STAFF)
    return user


def recipients():
    return sorted(m.to[0] for m in mail.outbox)


def assert_notice_email(message, *, org="Nordic Air", link):
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    headers = message.extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("https://motmap.example/unsubscribe/")
    for part in (message.body, html):
        assert org in part
        assert link in part
        assert unsubscribe in part


# --- decisions ------------------------------------------------------------------------------


def test_a_decision_follows_each_persons_choice(
    nordic, alice, bob, carol, touchpoint, django_capture_on_commit_callbacks
):
    dave = staff(nordic, "dave@nordic-air.example")
    idea = submit(carol, touchpoint)
    services.vote_toggle(actor=alice, idea=idea)
    services.vote_toggle(actor=dave, idea=idea)
    choose(alice, nordic, decisions=Frequency.DAILY)
    choose(dave, nordic, decisions=Frequency.OFF)

    with django_capture_on_commit_callbacks(execute=True):
        services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.ACCEPTED)

    assert recipients() == [carol.email]  # staff default: at once
    [message] = mail.outbox
    assert_notice_email(message, link=f"https://motmap.example/o/nordic-air/ideas/{idea.pk}/")
    assert "Accepted" in message.subject
    [pending] = PendingNotice.objects.filter(kind=Kind.DECISIONS)
    assert pending.membership.user == alice and pending.frequency == Frequency.DAILY
    assert "Greet by name" in pending.text and "Accepted" in pending.text


# --- new ideas ------------------------------------------------------------------------------


@pytest.fixture
def owners(nordic, bob, touchpoint):
    """The touchpoint belongs to dave (staff); the journey to bob (manager). Both hear at once."""
    dave = staff(nordic, "dave@nordic-air.example")
    touchpoint.owner = dave
    touchpoint.save()
    for user in (bob, dave):
        choose(user, nordic, new_ideas=Frequency.IMMEDIATELY)
    return bob, dave


def test_a_new_idea_reaches_the_touchpoint_and_journey_owners(
    owners, carol, touchpoint, django_capture_on_commit_callbacks
):
    bob, dave = owners
    with django_capture_on_commit_callbacks(execute=True):
        idea = submit(carol, touchpoint, title="Water & coffee")

    assert recipients() == sorted([bob.email, dave.email])
    for message in mail.outbox:
        assert_notice_email(message, link=f"https://motmap.example/o/nordic-air/ideas/{idea.pk}/")
        assert "Water & coffee" in message.subject and "Check-in desk" in message.subject
        assert "Carol Carlsson" in message.body


def test_new_ideas_go_to_the_digest_by_default(
    nordic, bob, carol, touchpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(carol, touchpoint)

    assert mail.outbox == []
    [pending] = PendingNotice.objects.all()
    assert (pending.membership.user, pending.kind, pending.frequency) == (
        bob,
        Kind.NEW_IDEAS,
        Frequency.WEEKLY,
    )


def test_the_author_is_not_told_of_their_own_named_idea(
    owners, touchpoint, django_capture_on_commit_callbacks
):
    bob, dave = owners
    with django_capture_on_commit_callbacks(execute=True):
        submit(dave, touchpoint)

    assert recipients() == [bob.email]


@pytest.mark.parametrize("author", ["dave", "carol"])
def test_an_anonymous_idea_names_nobody_and_reaches_both_owners(
    author, owners, carol, touchpoint, django_capture_on_commit_callbacks
):
    """Whoever wrote it, both owners hear of it: leaving the author out would name them."""
    bob, dave = owners
    writer = {"dave": dave, "carol": carol}[author]
    with django_capture_on_commit_callbacks(execute=True):
        submit(writer, touchpoint, anonymous=True)

    assert recipients() == sorted([bob.email, dave.email])
    for message in mail.outbox:
        assert "anonymous" in message.body
        for part in (message.subject, message.body, message.alternatives[0][0]):
            assert writer.full_name not in part and writer.email not in part
    for email in OutboxEmail.objects.all():
        assert writer.full_name not in email.body_text + email.body_html + email.subject


def test_an_anonymous_idea_in_a_digest_names_nobody(
    nordic, bob, carol, touchpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(carol, touchpoint, anonymous=True)

    [pending] = PendingNotice.objects.all()
    assert "Carol" not in pending.text and "carol" not in pending.text
    assert pending.membership.user == bob


def test_a_new_idea_with_nobody_owning_anything_sends_nothing(
    carol, journey, touchpoint, django_capture_on_commit_callbacks
):
    journey.owner = None
    journey.save()
    with django_capture_on_commit_callbacks(execute=True):
        submit(carol, touchpoint)
    assert mail.outbox == [] and not PendingNotice.objects.exists()


def test_a_person_no_longer_a_member_is_not_told(
    owners, carol, touchpoint, django_capture_on_commit_callbacks
):
    bob, dave = owners
    Membership.objects.filter(user=dave).delete()
    with django_capture_on_commit_callbacks(execute=True):
        submit(carol, touchpoint)
    assert recipients() == [bob.email]


# --- comments -------------------------------------------------------------------------------


def test_a_comment_reaches_the_author_and_earlier_commenters_not_the_commenter(
    nordic, alice, bob, carol, touchpoint, django_capture_on_commit_callbacks
):
    dave = staff(nordic, "dave@nordic-air.example")
    erin = staff(nordic, "erin@nordic-air.example", "Erin Ek")
    for user in (alice, bob, carol, dave, erin):
        choose(user, nordic, comments=Frequency.IMMEDIATELY)
    idea = submit(carol, touchpoint, title="Blankets <b>on</b> board")
    services.comment_add(actor=dave, idea=idea, body="Yes")
    services.comment_add(actor=alice, idea=idea, body="Maybe")
    services.vote_toggle(actor=erin, idea=idea)  # a voter does not follow the comments
    mail.outbox.clear()
    OutboxEmail.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=dave, idea=idea, body="Line one\nand <i>two</i>")

    assert recipients() == sorted([alice.email, carol.email])
    for message in mail.outbox:
        assert_notice_email(
            message, link=f"https://motmap.example/o/nordic-air/ideas/{idea.pk}/#comments"
        )
        assert "Dave Dahl" in message.subject
        assert "and <i>two</i>" in message.body
        html = message.alternatives[0][0]
        assert "and &lt;i&gt;two&lt;/i&gt;" in html and "<i>two" not in html
        assert "Blankets &lt;b&gt;on&lt;/b&gt; board" in html
    [to_carol] = [m for m in mail.outbox if m.to == [carol.email]]
    assert "commented on your idea" in to_carol.body


def test_comments_go_to_the_daily_digest_of_staff_by_default(
    bob, carol, touchpoint, django_capture_on_commit_callbacks
):
    idea = submit(carol, touchpoint)
    PendingNotice.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=bob, idea=idea, body="Looking at it")

    assert mail.outbox == []
    [pending] = PendingNotice.objects.all()
    assert (pending.membership.user, pending.kind, pending.frequency) == (
        carol,
        Kind.COMMENTS,
        Frequency.DAILY,
    )


def test_a_comment_on_an_anonymous_idea_tells_no_author(
    bob, carol, touchpoint, django_capture_on_commit_callbacks
):
    choose(carol, touchpoint.organisation, comments=Frequency.IMMEDIATELY)
    idea = submit(carol, touchpoint, anonymous=True)
    PendingNotice.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=bob, idea=idea, body="Nice")
    assert mail.outbox == [] and not PendingNotice.objects.exists()


# --- queries stay bounded -------------------------------------------------------------------


def _followers(org, idea, n):
    for i in range(n):
        user = staff(org, f"follower{n}-{i}@nordic-air.example", f"Follower {i}")
        choose(user, org, comments=Frequency.IMMEDIATELY if i % 2 else Frequency.DAILY)
        services.comment_add(actor=user, idea=idea, body=f"Comment {i}")
        services.vote_toggle(actor=user, idea=idea)


def _count(action):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        action()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("service", ["comment", "decision"])
def test_the_query_count_does_not_grow_with_followers(service, nordic, bob, carol, touchpoint):
    counts = []
    for n in (2, 12):
        idea = submit(carol, touchpoint, title=f"Idea for {n}")
        _followers(nordic, idea, n)
        if service == "comment":
            counts.append(
                _count(
                    lambda idea=idea: services.comment_add(actor=bob, idea=idea, body="Hi"),
                )
            )
        else:
            counts.append(
                _count(
                    lambda idea=idea: services.idea_change_status(
                        actor=bob, idea=idea, status=IdeaStatus.ACCEPTED
                    ),
                )
            )
    assert counts[0] == counts[1], counts
