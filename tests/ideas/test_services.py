"""Ideas services: submit, edit, withdraw, vote, comment and decide, with every rule of issue 4.

The services are the one place the rules live (views and the API call them), so every rule is
pinned here: who may do what, what bad input is refused (and that it changes nothing), the
rate limit, anonymity, and the decision emails.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ideas import services
from ideas.models import (
    COMMENT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Comment,
    Idea,
    IdeaEvent,
    IdeaStatus,
    Vote,
)
from motmap.models import Membership, OutboxEmail, Role
from tests.factories import IdeaFactory, MembershipFactory, UserFactory
from touchpoints.models import Habit

pytestmark = pytest.mark.django_db

NOON = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)


def submit(actor, touchpoint, **fields):
    """Submit through the service with sensible texts; returns the idea."""
    fields = {
        "title": "Greet by name",
        "today": "Travellers queue in silence and nobody looks up.",
        "proposal": "Read the name from the booking and greet every traveller by it.",
        **fields,
    }
    idea, created = services.idea_submit(actor=actor, touchpoint=touchpoint, **fields)
    assert created
    return idea


def staff_member(org, email, name):
    user = UserFactory(email=email, full_name=name)
    MembershipFactory(organisation=org, user=user, role=Role.STAFF)
    return user


def error_fields(excinfo):
    return set(excinfo.value.message_dict)


def fresh(idea):
    return Idea.objects.get(pk=idea.pk)


@pytest.fixture
def idea(carol, touchpoint):
    """Carol's idea, still new."""
    return submit(carol, touchpoint)


@pytest.fixture
def mallory_touchpoint(mallory_journey):
    return mallory_journey.touchpoints.get()


@pytest.fixture
def dave(nordic):
    return staff_member(nordic, "dave@nordic-air.example", "Dave Dahl")


@pytest.fixture
def erin(nordic):
    return staff_member(nordic, "erin@nordic-air.example", "Erin Ek")


# --- submitting -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "bob", "carol"])
def test_any_member_submits_an_idea_staff_too(personas, touchpoint, nordic, who):
    user = personas[who]

    idea, created = services.idea_submit(
        actor=user,
        touchpoint=touchpoint,
        title="  Greet by name  ",
        today="Silence at the desk.",
        proposal="Greet every traveller by name.",
    )

    assert created
    idea = fresh(idea)
    assert idea.organisation == nordic
    assert idea.touchpoint == touchpoint
    assert idea.author == user
    assert idea.title == "Greet by name"  # trimmed
    assert idea.status == IdeaStatus.NEW
    assert (idea.vote_count, idea.comment_count) == (0, 0)
    [event] = idea.events.all()
    assert (event.actor, event.from_status, event.to_status) == (user, "", IdeaStatus.NEW)


def test_ideas_are_numbered_per_organisation(carol, bob, mallory, touchpoint, mallory_touchpoint):
    first = submit(carol, touchpoint)
    second = submit(bob, touchpoint, anonymous=True)
    elsewhere = submit(mallory, mallory_touchpoint)
    third = submit(carol, touchpoint)

    assert (first.number, second.number, third.number) == (1, 2, 3)
    assert elsewhere.number == 1  # another organisation starts at #1


def test_the_same_number_cannot_exist_twice_in_an_organisation(idea, touchpoint):
    with pytest.raises(IntegrityError), transaction.atomic():
        IdeaFactory(touchpoint=touchpoint, number=idea.number)


@pytest.mark.parametrize("field", ["title", "today", "proposal"])
@pytest.mark.parametrize("value", ["", "   \n ", None])
def test_an_empty_field_is_a_field_error_and_creates_nothing(carol, touchpoint, field, value):
    with pytest.raises(ValidationError) as excinfo:
        submit(carol, touchpoint, **{field: value})

    assert error_fields(excinfo) == {field}
    assert excinfo.value.message_dict[field][0]  # a message the form can show
    assert not Idea.objects.exists()
    assert not IdeaEvent.objects.exists()


def test_every_empty_field_is_reported_at_once(carol, touchpoint):
    with pytest.raises(ValidationError) as excinfo:
        submit(carol, touchpoint, title="", today="", proposal="", habits=["bribery"])

    assert error_fields(excinfo) == {"title", "today", "proposal", "habits"}


@pytest.mark.parametrize("field", ["today", "proposal"])
def test_a_20000_character_text_is_a_field_error_and_creates_nothing(carol, touchpoint, field):
    with pytest.raises(ValidationError) as excinfo:
        submit(carol, touchpoint, **{field: "wow " * 5000})

    assert error_fields(excinfo) == {field}
    assert str(TEXT_MAX) in excinfo.value.message_dict[field][0]
    assert not Idea.objects.exists()
    assert not IdeaEvent.objects.exists()


def test_texts_up_to_the_limits_are_accepted(carol, touchpoint):
    idea = submit(
        carol, touchpoint, title="t" * TITLE_MAX, today="x" * TEXT_MAX, proposal="y" * TEXT_MAX
    )

    assert len(fresh(idea).proposal) == TEXT_MAX


def test_a_title_over_the_limit_is_a_field_error(carol, touchpoint):
    with pytest.raises(ValidationError) as excinfo:
        submit(carol, touchpoint, title="t" * (TITLE_MAX + 1))

    assert error_fields(excinfo) == {"title"}
    assert not Idea.objects.exists()


def test_habits_are_kept_in_the_order_of_the_seven(carol, touchpoint):
    idea = submit(carol, touchpoint, habits=[Habit.TACT, Habit.STROKES, Habit.TACT])

    assert fresh(idea).habits == [Habit.STROKES, Habit.TACT]


@pytest.mark.parametrize("habits", [["bribery"], [Habit.SURPRISE, "be late"], "surprise"])
def test_habits_only_from_the_seven(carol, touchpoint, habits):
    with pytest.raises(ValidationError) as excinfo:
        submit(carol, touchpoint, habits=habits)

    assert error_fields(excinfo) == {"habits"}
    assert not Idea.objects.exists()


def test_a_touchpoint_of_an_archived_journey_is_refused(carol, journey, touchpoint):
    journey.archived_at = NOON
    journey.save(update_fields=["archived_at"])

    with pytest.raises(ValidationError) as excinfo:
        submit(carol, touchpoint)

    assert error_fields(excinfo) == {"touchpoint"}
    assert "archived" in excinfo.value.message_dict["touchpoint"][0]
    assert not Idea.objects.exists()


def test_a_non_member_cannot_submit_for_a_touchpoint(mallory, touchpoint):
    with pytest.raises(PermissionDenied):
        submit(mallory, touchpoint)

    assert not Idea.objects.exists()


def test_a_member_cannot_submit_for_another_organisations_touchpoint(carol, mallory_touchpoint):
    with pytest.raises(PermissionDenied):
        submit(carol, mallory_touchpoint, anonymous=True)

    assert not Idea.objects.exists()


def test_the_same_form_sent_twice_creates_one_idea(carol, touchpoint):
    token = uuid.uuid4()
    first = submit(carol, touchpoint, submission_token=token)

    again, created = services.idea_submit(
        actor=carol,
        touchpoint=touchpoint,
        title="Greet by name (resent)",
        today="Silence.",
        proposal="Greet.",
        submission_token=token,
    )

    assert (again, created) == (first, False)
    assert Idea.objects.count() == 1
    assert fresh(first).title == "Greet by name"  # the resend changes nothing
    assert IdeaEvent.objects.count() == 1


def test_a_resent_form_does_not_count_towards_the_hourly_limit(carol, touchpoint, settings):
    settings.IDEAS_PER_HOUR = 3
    token = uuid.uuid4()
    for _ in range(5):
        services.idea_submit(
            actor=carol,
            touchpoint=touchpoint,
            title="Once",
            today="a",
            proposal="b",
            submission_token=token,
        )

    submit(carol, touchpoint)
    submit(carol, touchpoint)  # the 3rd idea of the hour: the five sends counted once

    assert Idea.objects.count() == 3


def test_another_organisations_form_token_does_not_reveal_its_idea(
    carol, mallory, touchpoint, mallory_touchpoint
):
    token = uuid.uuid4()
    secret = submit(
        mallory, mallory_touchpoint, title="Mallory secret plan", submission_token=token
    )

    with pytest.raises(ValidationError) as excinfo:
        services.idea_submit(
            actor=carol,
            touchpoint=touchpoint,
            title="Mine",
            today="a",
            proposal="b",
            submission_token=token,
        )

    assert "reload" in excinfo.value.messages[0]
    assert list(Idea.objects.all()) == [secret]


# --- anonymity ------------------------------------------------------------------------------

NOT_DATA = {
    # Her own account and memberships, and the machinery that is not the product's data.
    "motmap.user",
    "motmap.membership",
    "sessions.session",
    "admin.logentry",
    "contenttypes.contenttype",
    "auth.permission",
}


def _exempt(model):
    return model._meta.label_lower in NOT_DATA or model._meta.app_label == "axes"


def rows_referencing(user):
    """Every (model, field, count) whose foreign key or many-to-many points at `user`."""
    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        if _exempt(model):
            continue
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model is user_model):
                continue
            count = model._base_manager.filter(**{field.name: user}).count()
            if count:
                found.append((model._meta.label, field.name, count))
    return found


def text_mentioning(user):
    """Every (model, field) whose stored value mentions the person's email or name."""
    needles = {user.email.lower(), user.full_name.lower(), user.email.split("@")[0].lower()}
    found = []
    for model in apps.get_models():
        if _exempt(model):
            continue
        fields = [f for f in model._meta.concrete_fields if not f.is_relation]
        for row in model._base_manager.values_list(*[f.attname for f in fields]):
            for field, value in zip(fields, row, strict=True):
                if value is not None and any(n in str(value).lower() for n in needles):
                    found.append((model._meta.label, field.name))
    return found


def test_the_check_for_traces_finds_a_named_author(carol, bob, touchpoint):
    """The scan below must be able to fail: a named idea is found on the idea and its event."""
    idea = submit(carol, touchpoint, title="Signed idea")
    services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.UNDER_REVIEW)

    assert ("ideas.Idea", "author", 1) in rows_referencing(carol)
    assert ("ideas.IdeaEvent", "actor", 1) in rows_referencing(carol)


def test_the_check_for_traces_finds_a_name_in_text(carol, bob, touchpoint):
    idea = submit(bob, touchpoint, title="Thanks to Carol Carlsson")
    assert ("ideas.Idea", "title") in text_mentioning(carol)
    services.comment_add(actor=bob, idea=idea, body="Ask carol@nordic-air.example")
    assert ("ideas.Comment", "body") in text_mentioning(carol)


def test_an_anonymous_idea_stores_no_author_anywhere(
    carol, alice, bob, dave, touchpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        idea, created = services.idea_submit(
            actor=carol,
            touchpoint=touchpoint,
            title="Water at the gate",
            today="People wait thirsty.",
            proposal="Free water at every gate.",
            habits=[Habit.ANTICIPATE],
            anonymous=True,
            submission_token=uuid.uuid4(),
        )
        services.vote_toggle(actor=alice, idea=idea)
        services.vote_toggle(actor=dave, idea=idea)
        services.comment_add(actor=bob, idea=idea, body="Nice one, whoever you are.")
        services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.UNDER_REVIEW)
        services.idea_change_status(
            actor=bob, idea=idea, status=IdeaStatus.DECLINED, note="Too costly this year."
        )

    assert created
    idea = fresh(idea)
    assert idea.author is None and idea.is_anonymous
    assert [e.actor for e in idea.events.all()] == [None, bob, bob]
    assert rows_referencing(carol) == []
    assert text_mentioning(carol) == []
    sent_to = {address for message in mail.outbox for address in message.to}
    assert carol.email not in sent_to
    assert not OutboxEmail.objects.filter(to=carol.email).exists()
    assert sent_to == {alice.email, dave.email}  # the voters heard of it; bob decided


# --- the hourly limit -----------------------------------------------------------------------


@pytest.fixture(params=["locmem", "filebased"])
def rate_cache(request, settings, tmp_path):
    """The limit must hold on the tests' cache and on the file cache the app uses by default."""
    if request.param == "locmem":
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    else:
        backend = {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    settings.CACHES = {"default": backend}
    return request.param


def test_the_21st_idea_within_an_hour_is_refused_until_the_hour_is_over(
    carol, touchpoint, settings, rate_cache
):
    assert settings.IDEAS_PER_HOUR == 20
    with time_machine.travel(NOON, tick=False) as traveller:
        for n in range(20):
            submit(carol, touchpoint, title=f"Idea {n}", anonymous=n % 2 == 0)
            traveller.shift(timedelta(minutes=2))  # the last one at 12:38

        with pytest.raises(ValidationError) as excinfo:
            submit(carol, touchpoint, title="One too many")
        message = excinfo.value.messages[0]
        assert "20 ideas this hour" in message
        assert Idea.objects.count() == 20

        traveller.move_to(NOON + timedelta(minutes=59, seconds=59))
        with pytest.raises(ValidationError):
            submit(carol, touchpoint, title="Still too many", anonymous=True)

        traveller.move_to(NOON + timedelta(hours=1, seconds=1))
        submit(carol, touchpoint, title="A new hour")

    assert Idea.objects.count() == 21


def test_anonymous_ideas_count_towards_the_limit(carol, touchpoint, settings):
    settings.IDEAS_PER_HOUR = 2
    submit(carol, touchpoint, anonymous=True)
    submit(carol, touchpoint, anonymous=True)

    with pytest.raises(ValidationError):
        submit(carol, touchpoint)
    with pytest.raises(ValidationError):
        submit(carol, touchpoint, anonymous=True)
    assert Idea.objects.count() == 2


def test_the_limit_is_per_member(carol, bob, touchpoint, settings):
    settings.IDEAS_PER_HOUR = 1
    submit(carol, touchpoint)

    submit(bob, touchpoint)
    with pytest.raises(ValidationError):
        submit(carol, touchpoint)


def test_refused_submissions_do_not_count_towards_the_limit(carol, touchpoint, settings):
    settings.IDEAS_PER_HOUR = 1
    with pytest.raises(ValidationError):
        submit(carol, touchpoint, title="")

    submit(carol, touchpoint)


# --- editing and withdrawing ----------------------------------------------------------------


def test_the_author_edits_her_new_idea(carol, idea):
    services.idea_update(
        actor=carol,
        idea=idea,
        title=" Greet warmly ",
        today="Silence.",
        proposal="A smile and the name.",
        habits=[Habit.STROKES],
    )

    idea = fresh(idea)
    assert (idea.title, idea.today, idea.proposal) == (
        "Greet warmly",
        "Silence.",
        "A smile and the name.",
    )
    assert idea.habits == [Habit.STROKES]


def test_an_edit_with_bad_input_changes_nothing(carol, idea):
    with pytest.raises(ValidationError) as excinfo:
        services.idea_update(
            actor=carol, idea=idea, title="", today="x" * 20_000, proposal="New", habits=["bribery"]
        )

    assert error_fields(excinfo) == {"title", "today", "habits"}
    assert fresh(idea).proposal == idea.proposal


@pytest.mark.parametrize("who", ["alice", "bob", "mallory"])
def test_another_person_cannot_edit_or_withdraw_an_idea(personas, idea, who):
    with pytest.raises(PermissionDenied):
        services.idea_update(
            actor=personas[who], idea=idea, title="Hijacked", today="a", proposal="b"
        )
    with pytest.raises(PermissionDenied):
        services.idea_withdraw(actor=personas[who], idea=idea)

    assert fresh(idea).title == "Greet by name"


@pytest.mark.parametrize(
    "status", [IdeaStatus.UNDER_REVIEW, IdeaStatus.ACCEPTED, IdeaStatus.DECLINED]
)
def test_the_author_cannot_edit_or_withdraw_once_it_is_looked_at(carol, bob, idea, status):
    services.idea_change_status(actor=bob, idea=idea, status=status, note="We are on it.")

    with pytest.raises(ValidationError) as excinfo:
        services.idea_update(actor=carol, idea=idea, title="Changed", today="a", proposal="b")
    assert "cannot be changed" in excinfo.value.messages[0]
    with pytest.raises(ValidationError):
        services.idea_withdraw(actor=carol, idea=idea)

    assert fresh(idea).title == "Greet by name"


@pytest.mark.parametrize("who", ["carol", "bob", "alice"])
def test_nobody_edits_or_withdraws_an_anonymous_idea(personas, touchpoint, who):
    idea = submit(personas["carol"], touchpoint, anonymous=True)

    with pytest.raises(PermissionDenied):
        services.idea_update(actor=personas[who], idea=idea, title="Mine", today="a", proposal="b")
    with pytest.raises(PermissionDenied):
        services.idea_withdraw(actor=personas[who], idea=idea)

    assert fresh(idea).title == "Greet by name"


def test_the_author_withdraws_her_new_idea(carol, bob, idea):
    services.vote_toggle(actor=bob, idea=idea)
    services.comment_add(actor=bob, idea=idea, body="Good one")

    services.idea_withdraw(actor=carol, idea=idea)

    assert not Idea.objects.exists()
    assert not (Vote.objects.exists() or Comment.objects.exists() or IdeaEvent.objects.exists())


def test_an_idea_others_were_marked_the_same_as_cannot_be_withdrawn(carol, bob, dave, touchpoint):
    original = submit(carol, touchpoint)
    copy = submit(dave, touchpoint)
    services.vote_toggle(actor=bob, idea=copy)
    services.idea_change_status(
        actor=bob, idea=copy, status=IdeaStatus.DUPLICATE, duplicate_of=original
    )

    with pytest.raises(ValidationError):
        services.idea_withdraw(actor=carol, idea=original)

    assert fresh(copy).duplicate_of == original
    assert fresh(original).vote_count == 1


# --- votes ----------------------------------------------------------------------------------


def test_a_vote_toggles_on_and_off(bob, idea):
    assert services.vote_toggle(actor=bob, idea=idea) is True
    assert idea.vote_count == 1  # the caller's idea is refreshed
    assert fresh(idea).vote_count == 1

    assert services.vote_toggle(actor=bob, idea=idea) is False
    assert fresh(idea).vote_count == 0
    assert not Vote.objects.exists()


def test_the_vote_count_counts_each_member_once(alice, bob, carol, idea):
    for user in (alice, bob, carol, bob, bob):
        services.vote_toggle(actor=user, idea=idea)

    assert fresh(idea).vote_count == 3 == Vote.objects.count()  # bob: on, off, on
    assert set(Vote.objects.values_list("user", flat=True)) == {alice.pk, bob.pk, carol.pk}


def test_a_second_vote_row_cannot_exist(bob, idea):
    services.vote_toggle(actor=bob, idea=idea)

    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(idea=idea, user=bob)
    assert Vote.objects.count() == 1


def test_a_non_member_cannot_vote(mallory, idea):
    with pytest.raises(PermissionDenied):
        services.vote_toggle(actor=mallory, idea=idea)

    assert fresh(idea).vote_count == 0
    assert not Vote.objects.exists()


def test_vote_set_changes_only_what_differs(alice, bob, idea):
    services.vote_toggle(actor=alice, idea=idea)
    for _ in range(2):
        assert services.vote_set(actor=bob, idea=idea, voted=True) is True
        assert idea.vote_count == 2 == fresh(idea).vote_count
    for _ in range(2):
        assert services.vote_set(actor=bob, idea=idea, voted=False) is False
        assert idea.vote_count == 1 == fresh(idea).vote_count
    assert list(Vote.objects.values_list("user", flat=True)) == [alice.pk]


def test_vote_set_refuses_a_non_member(mallory, idea):
    with pytest.raises(PermissionDenied):
        services.vote_set(actor=mallory, idea=idea, voted=False)


# --- comments -------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "by_manager"), [("alice", True), ("bob", True), ("carol", False)])
def test_a_managers_comment_is_marked_as_such(personas, idea, who, by_manager):
    comment = services.comment_add(actor=personas[who], idea=idea, body="  Good thinking.  ")

    comment.refresh_from_db()
    assert comment.author == personas[who]
    assert comment.body == "Good thinking."
    assert comment.by_manager is by_manager
    assert comment.edited_at is None


def test_the_comment_count_is_kept(alice, carol, idea):
    first = services.comment_add(actor=alice, idea=idea, body="One")
    services.comment_add(actor=carol, idea=idea, body="Two")
    assert fresh(idea).comment_count == 2

    services.comment_delete(actor=alice, comment=first)

    assert fresh(idea).comment_count == 1
    assert list(Comment.objects.values_list("body", flat=True)) == ["Two"]


@pytest.mark.parametrize("body", ["", "  \n ", None, "x" * (COMMENT_MAX + 1)])
def test_an_empty_or_overlong_comment_is_refused(carol, idea, body):
    with pytest.raises(ValidationError) as excinfo:
        services.comment_add(actor=carol, idea=idea, body=body)

    assert error_fields(excinfo) == {"body"}
    assert not Comment.objects.exists()
    assert fresh(idea).comment_count == 0


def test_the_author_edits_her_comment(carol, idea):
    comment = services.comment_add(actor=carol, idea=idea, body="Frist")

    with time_machine.travel(NOON, tick=False):
        services.comment_update(actor=carol, comment=comment, body=" First ")

    comment.refresh_from_db()
    assert (comment.body, comment.edited_at) == ("First", NOON)


def test_an_edit_to_an_empty_or_overlong_comment_changes_nothing(carol, idea):
    comment = services.comment_add(actor=carol, idea=idea, body="Kept")

    for body in ("", "x" * (COMMENT_MAX + 1)):
        with pytest.raises(ValidationError):
            services.comment_update(actor=carol, comment=Comment.objects.get(), body=body)

    comment.refresh_from_db()
    assert (comment.body, comment.edited_at) == ("Kept", None)


@pytest.mark.parametrize("who", ["alice", "bob", "mallory"])
def test_only_the_author_edits_or_deletes_a_comment(personas, idea, who):
    comment = services.comment_add(actor=personas["carol"], idea=idea, body="Mine")

    with pytest.raises(PermissionDenied):
        services.comment_update(actor=personas[who], comment=comment, body="Changed")
    with pytest.raises(PermissionDenied):
        services.comment_delete(actor=personas[who], comment=comment)

    assert Comment.objects.get().body == "Mine"
    assert fresh(idea).comment_count == 1


def test_a_non_member_cannot_comment(mallory, idea):
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=mallory, idea=idea, body="Hello from outside")

    assert not Comment.objects.exists()


# --- deciding -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["carol", "mallory"])
def test_only_managers_and_owners_change_the_status(
    personas, idea, who, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.idea_change_status(actor=personas[who], idea=idea, status=IdeaStatus.ACCEPTED)

    assert fresh(idea).status == IdeaStatus.NEW
    assert idea.events.count() == 1
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_every_status_change_writes_an_event(personas, idea, who):
    user = personas[who]
    with time_machine.travel(NOON, tick=False):
        result = services.idea_change_status(
            actor=user, idea=idea, status=IdeaStatus.UNDER_REVIEW, note="  Looking into it. "
        )

    assert result.status == IdeaStatus.UNDER_REVIEW
    idea = fresh(idea)
    assert (idea.status, idea.status_changed_at, idea.decision_note) == (
        IdeaStatus.UNDER_REVIEW,
        NOON,
        "Looking into it.",
    )
    event = idea.events.last()
    assert (event.actor, event.at, event.from_status, event.to_status, event.note) == (
        user,
        NOON,
        IdeaStatus.NEW,
        IdeaStatus.UNDER_REVIEW,
        "Looking into it.",
    )


def test_the_whole_road_to_implemented_is_recorded(bob, alice, idea):
    road = [
        IdeaStatus.UNDER_REVIEW,
        IdeaStatus.ACCEPTED,
        IdeaStatus.IN_PROGRESS,
        IdeaStatus.IMPLEMENTED,
    ]
    for status in road:
        services.idea_change_status(actor=bob, idea=idea, status=status)

    steps = list(idea.events.values_list("from_status", "to_status"))
    assert steps == [
        ("", "new"),
        ("new", "under_review"),
        ("under_review", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "implemented"),
    ]


@pytest.mark.parametrize("note", ["", "   \n"])
def test_declined_without_a_reason_is_refused(bob, idea, note, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
        services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.DECLINED, note=note)

    assert error_fields(exc) == {"note"}
    assert fresh(idea).status == IdeaStatus.NEW
    assert idea.events.count() == 1
    assert mail.outbox == []


def test_declined_with_a_reason_keeps_the_reason(bob, idea):
    services.idea_change_status(
        actor=bob, idea=idea, status=IdeaStatus.DECLINED, note="The desk has no room for it."
    )

    idea = fresh(idea)
    assert idea.status == IdeaStatus.DECLINED
    assert idea.decision_note == "The desk has no room for it."


def test_an_overlong_reason_is_refused(bob, idea):
    with pytest.raises(ValidationError) as excinfo:
        services.idea_change_status(
            actor=bob, idea=idea, status=IdeaStatus.DECLINED, note="no " * 7000
        )

    assert error_fields(excinfo) == {"note"}
    assert fresh(idea).status == IdeaStatus.NEW


def test_duplicate_needs_the_original(bob, idea):
    with pytest.raises(ValidationError) as excinfo:
        services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.DUPLICATE)

    assert error_fields(excinfo) == {"duplicate_of"}
    assert fresh(idea).status == IdeaStatus.NEW


def test_an_idea_cannot_duplicate_itself(bob, idea):
    with pytest.raises(ValidationError) as excinfo:
        services.idea_change_status(
            actor=bob, idea=idea, status=IdeaStatus.DUPLICATE, duplicate_of=fresh(idea)
        )

    assert error_fields(excinfo) == {"duplicate_of"}
    assert "itself" in excinfo.value.message_dict["duplicate_of"][0]
    assert fresh(idea).status == IdeaStatus.NEW


def test_an_idea_cannot_duplicate_another_organisations_idea(
    bob, mallory, idea, mallory_touchpoint
):
    theirs = submit(mallory, mallory_touchpoint)
    services.vote_toggle(actor=bob, idea=idea)

    with pytest.raises(ValidationError) as excinfo:
        services.idea_change_status(
            actor=bob, idea=idea, status=IdeaStatus.DUPLICATE, duplicate_of=theirs
        )

    assert error_fields(excinfo) == {"duplicate_of"}
    assert "Mallory" not in excinfo.value.message_dict["duplicate_of"][0]
    assert fresh(idea).status == IdeaStatus.NEW
    assert fresh(theirs).vote_count == 0
    assert not Vote.objects.filter(idea=theirs).exists()


def test_a_duplicates_votes_count_for_the_original_once_each(alice, bob, carol, dave, touchpoint):
    original = submit(carol, touchpoint, title="Water at the gate")
    copy = submit(dave, touchpoint, title="Drinks while waiting")
    for user in (alice, bob):
        services.vote_toggle(actor=user, idea=original)
    for user in (bob, carol, dave):
        services.vote_toggle(actor=user, idea=copy)

    result = services.idea_change_status(
        actor=bob, idea=copy, status=IdeaStatus.DUPLICATE, duplicate_of=original
    )

    assert (result.status, result.duplicate_of) == (IdeaStatus.DUPLICATE, original)
    assert fresh(original).vote_count == 4  # alice, bob (voted both: once), carol, dave
    voters = list(Vote.objects.filter(idea=original).values_list("user", flat=True))
    assert sorted(voters) == sorted([alice.pk, bob.pk, carol.pk, dave.pk])
    assert fresh(copy).vote_count == 3  # the duplicate keeps its own
    assert fresh(original).status == IdeaStatus.NEW


def test_an_idea_cannot_duplicate_a_duplicate(bob, carol, touchpoint):
    first = submit(carol, touchpoint)
    second = submit(carol, touchpoint)
    third = submit(carol, touchpoint)
    services.idea_change_status(
        actor=bob, idea=second, status=IdeaStatus.DUPLICATE, duplicate_of=first
    )

    with pytest.raises(ValidationError) as excinfo:
        services.idea_change_status(
            actor=bob, idea=third, status=IdeaStatus.DUPLICATE, duplicate_of=fresh(second)
        )
    assert "choose #1" in excinfo.value.message_dict["duplicate_of"][0]

    with pytest.raises(ValidationError):  # nor the original become a duplicate of its copy
        services.idea_change_status(
            actor=bob, idea=first, status=IdeaStatus.DUPLICATE, duplicate_of=fresh(second)
        )
    assert fresh(first).status == fresh(third).status == IdeaStatus.NEW


def test_reopening_a_duplicate_forgets_the_original(bob, carol, touchpoint):
    original = submit(carol, touchpoint)
    copy = submit(carol, touchpoint)
    services.idea_change_status(
        actor=bob, idea=copy, status=IdeaStatus.DUPLICATE, duplicate_of=original
    )

    services.idea_change_status(
        actor=bob, idea=copy, status=IdeaStatus.UNDER_REVIEW, note="Not the same after all."
    )

    assert fresh(copy).duplicate_of is None


def test_implemented_sets_implemented_at(bob, idea):
    services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.ACCEPTED)
    assert fresh(idea).implemented_at is None

    with time_machine.travel(NOON, tick=False):
        services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.IMPLEMENTED)
    assert fresh(idea).implemented_at == NOON

    services.idea_change_status(
        actor=bob, idea=idea, status=IdeaStatus.IN_PROGRESS, note="Rolled back: the printer broke."
    )
    assert fresh(idea).implemented_at is None


ROADS = {
    IdeaStatus.NEW: [],
    IdeaStatus.UNDER_REVIEW: [IdeaStatus.UNDER_REVIEW],
    IdeaStatus.IN_PROGRESS: [IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS],
    IdeaStatus.IMPLEMENTED: [IdeaStatus.IMPLEMENTED],
    IdeaStatus.DECLINED: [IdeaStatus.DECLINED],
}


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (IdeaStatus.NEW, IdeaStatus.NEW),
        (IdeaStatus.UNDER_REVIEW, IdeaStatus.NEW),
        (IdeaStatus.IN_PROGRESS, IdeaStatus.UNDER_REVIEW),
        (IdeaStatus.IMPLEMENTED, IdeaStatus.DECLINED),
        (IdeaStatus.IMPLEMENTED, IdeaStatus.NEW),
        (IdeaStatus.DECLINED, IdeaStatus.ACCEPTED),
        (IdeaStatus.DECLINED, IdeaStatus.IMPLEMENTED),
    ],
)
def test_a_transition_that_is_not_allowed_is_refused_clearly(bob, idea, start, target):
    for status in ROADS[start]:
        services.idea_change_status(actor=bob, idea=idea, status=status, note="Because.")
    events = idea.events.count()

    with pytest.raises(ValidationError) as excinfo:
        services.idea_change_status(actor=bob, idea=idea, status=target, note="Because.")

    message = excinfo.value.message_dict["status"][0]
    assert str(IdeaStatus(start).label) in message
    assert str(IdeaStatus(target).label) in message
    assert fresh(idea).status == start
    assert idea.events.count() == events


def test_an_unknown_status_is_refused(bob, idea):
    with pytest.raises(ValidationError) as excinfo:
        services.idea_change_status(actor=bob, idea=idea, status="shelved")

    assert error_fields(excinfo) == {"status"}
    assert fresh(idea).status == IdeaStatus.NEW


def test_a_closed_idea_can_be_reopened_for_review(bob, idea):
    services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.DECLINED, note="No.")

    services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.UNDER_REVIEW)

    assert fresh(idea).status == IdeaStatus.UNDER_REVIEW


# --- decision emails ------------------------------------------------------------------------


def _html(message):
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def test_a_decision_emails_author_voters_and_commenters_once_each(
    alice, bob, carol, dave, erin, touchpoint, django_capture_on_commit_callbacks
):
    idea = submit(carol, touchpoint, title="Coffee & a smile")
    services.vote_toggle(actor=alice, idea=idea)
    services.vote_toggle(actor=erin, idea=idea)
    services.vote_toggle(actor=bob, idea=idea)
    services.vote_toggle(actor=carol, idea=idea)  # the author voted too
    services.comment_add(actor=dave, idea=idea, body="Yes please")
    services.comment_add(actor=erin, idea=idea, body="Me too")
    services.comment_add(actor=bob, idea=idea, body="Let us see")
    staff_member(idea.organisation, "frank@nordic-air.example", "Frank Fors")  # not involved

    with django_capture_on_commit_callbacks(execute=True):
        services.idea_change_status(
            actor=bob, idea=idea, status=IdeaStatus.DECLINED, note="No budget for coffee this year."
        )

    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([alice.email, carol.email, dave.email, erin.email])
    for message in mail.outbox:
        html = _html(message)
        assert "Coffee & a smile" in message.subject
        assert "Declined" in message.subject
        for part in (message.body, html):
            assert "Declined" in part
            assert "No budget for coffee this year." in part
        assert "Coffee & a smile" in message.body
        assert "Coffee &amp; a smile" in html
        assert f"/o/nordic-air/ideas/{idea.pk}" in message.body
    [to_carol] = [m for m in mail.outbox if m.to == [carol.email]]
    assert "your idea" in to_carol.body
    [to_dave] = [m for m in mail.outbox if m.to == [dave.email]]
    assert "voted or commented" in to_dave.body
    assert OutboxEmail.objects.filter(sent_at__isnull=False).count() == 4


def test_each_decision_sends_its_own_email(
    bob, carol, alice, idea, django_capture_on_commit_callbacks
):
    services.vote_toggle(actor=alice, idea=idea)

    with django_capture_on_commit_callbacks(execute=True):
        services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.IMPLEMENTED)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, carol.email] * 2)
    assert sum("Implemented" in m.subject for m in mail.outbox) == 2


def test_the_deciding_manager_gets_no_email_about_her_own_idea(
    alice, bob, touchpoint, django_capture_on_commit_callbacks
):
    idea = submit(alice, touchpoint)
    services.vote_toggle(actor=bob, idea=idea)

    with django_capture_on_commit_callbacks(execute=True):
        services.idea_change_status(actor=alice, idea=idea, status=IdeaStatus.ACCEPTED)

    assert [m.to for m in mail.outbox] == [[bob.email]]


def test_an_anonymous_ideas_decision_emails_nobody_for_its_author(
    bob, carol, touchpoint, django_capture_on_commit_callbacks
):
    idea = submit(carol, touchpoint, anonymous=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.idea_change_status(
            actor=bob, idea=idea, status=IdeaStatus.DECLINED, note="Not now."
        )

    assert mail.outbox == []
    assert not OutboxEmail.objects.exists()


def test_a_person_who_left_the_organisation_gets_no_decision_email(
    alice, bob, dave, idea, django_capture_on_commit_callbacks
):
    services.vote_toggle(actor=dave, idea=idea)
    services.vote_toggle(actor=alice, idea=idea)
    Membership.objects.filter(user=dave).delete()

    with django_capture_on_commit_callbacks(execute=True):
        services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.ACCEPTED)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, "carol@nordic-air.example"])


def test_a_refused_decision_sends_no_email(bob, alice, idea, django_capture_on_commit_callbacks):
    services.vote_toggle(actor=alice, idea=idea)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.idea_change_status(actor=bob, idea=idea, status=IdeaStatus.NEW)

    assert mail.outbox == []
    assert not OutboxEmail.objects.exists()


def test_the_rate_limit_keeps_no_time_that_matches_an_anonymous_idea(carol, touchpoint, settings):
    """Only a count is cached, and it expires at a fixed hour, not at submission time + 1 h."""
    import time

    from django.core.cache import cache

    from ideas.services import IDEA_RATE

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with time_machine.travel(NOON + timedelta(minutes=17, seconds=3), tick=False):
        submit(carol, touchpoint, anonymous=True)
        key = IDEA_RATE.key(str(carol.pk), time.time())
        assert cache.get(key) == 1
        expires_at = cache._expire_info[cache.make_and_validate_key(key)]
        assert expires_at % 3600 == 0
