import pytest
from django.contrib.auth import get_user_model

from demo.seed import IDEAS, JOURNEYS, PASSWORD, seed_demo
from ideas.models import Comment, Idea, IdeaEvent, IdeaStatus, Vote
from ideas.services import idea_submit
from journeys.models import Journey, Stage
from motmap.models import Membership, Organisation, Role
from touchpoints.models import Habit, Touchpoint, TouchpointChange

EMAILS = {
    "alice@nordic-air.example": Role.OWNER,
    "bob@nordic-air.example": Role.MANAGER,
    "carol@nordic-air.example": Role.STAFF,
}


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Organisation,
            get_user_model(),
            Membership,
            Journey,
            Stage,
            Touchpoint,
            Idea,
            Vote,
            Comment,
            IdeaEvent,
        )
    }


@pytest.mark.django_db
def test_seed_creates_organisation_people_and_journeys(demo):

    org = Organisation.objects.get(slug="nordic-air")
    assert org.name == "Nordic Air"
    assert org.time_zone == "Europe/Stockholm"
    roles = {m.user.email: m.role for m in org.memberships.select_related("user")}
    assert roles == EMAILS

    trip = Journey.objects.get(organisation=org, name="Business trip")
    assert trip.segment == "Business traveller"
    assert trip.owner.email == "bob@nordic-air.example"
    assert trip.review_cadence == "quarterly"
    assert list(trip.stages.order_by("position").values_list("name", flat=True)) == [
        "Booking",
        "Airport",
        "Flight",
        "Arrival",
        "After the trip",
    ]
    assert 13 <= trip.touchpoints.count() <= 17

    lost = Journey.objects.get(organisation=org, name="Lost baggage")
    assert 3 <= lost.stages.count() <= 4
    assert 5 <= lost.touchpoints.count() <= 7


@pytest.mark.django_db
def test_touchpoints_are_complete_and_written_with_history(demo):
    touchpoints = Touchpoint.objects.filter(organisation__slug="nordic-air")
    assert touchpoints.exists()
    for tp in touchpoints:
        assert tp.moment and tp.desired_outcome and tp.customer_wants
        assert -2 <= tp.rating_current <= 2 and -2 <= tp.rating_target <= 2
        assert tp.contacts_per_day > 0 and tp.duration_seconds > 0
        assert tp.owner is not None
        assert len(tp.habits) <= 3 and set(tp.habits) <= set(Habit.values)
    # Created through the service, so the history has the first values.
    assert TouchpointChange.objects.filter(touchpoint__in=touchpoints).exists()
    ratings = set(touchpoints.values_list("rating_current", flat=True))
    assert -2 in ratings and 2 in ratings


@pytest.mark.django_db
def test_business_trip_has_a_meaningful_priority_list(demo):
    trip = Journey.objects.get(organisation__slug="nordic-air", name="Business trip")
    positive = [
        tp
        for tp in trip.touchpoints.all()
        if tp.contacts_per_day * (tp.rating_target - tp.rating_current) > 0
    ]
    assert len(positive) >= 5


@pytest.mark.django_db
def test_running_twice_changes_nothing(demo):
    before = _counts()
    result = seed_demo()
    assert _counts() == before
    assert not result.organisation_created
    assert result.users_created == [] and result.journeys_created == []
    assert result.touchpoints_created == 0
    assert result.ideas_created == 0


@pytest.mark.django_db
def test_running_again_keeps_users_edits_and_passwords(demo):
    trip = Journey.objects.get(organisation__slug="nordic-air", name="Business trip")
    tp = trip.touchpoints.order_by("stage__position", "position").first()
    tp.name = "Booking by phone (renamed)"
    tp.save()
    other = trip.touchpoints.exclude(pk=tp.pk).first()
    other.delete()
    alice = get_user_model().objects.get(email="alice@nordic-air.example")
    alice.set_password("a-new-password")
    alice.save()

    seed_demo()

    tp.refresh_from_db()
    assert tp.name == "Booking by phone (renamed)"
    assert not Touchpoint.objects.filter(pk=other.pk).exists()
    alice.refresh_from_db()
    assert alice.check_password("a-new-password")


@pytest.mark.django_db
def test_demo_users_can_log_in(demo):
    User = get_user_model()
    for email in EMAILS:
        assert User.objects.get(email=email).check_password(PASSWORD)


def _demo_ideas():
    return Idea.objects.filter(organisation__slug="nordic-air")


@pytest.mark.django_db
def test_demo_has_a_dozen_ideas_in_every_status_with_votes_and_comments(demo):
    ideas = _demo_ideas()
    assert demo["ideas_created"] == ideas.count() == len(IDEAS)
    assert ideas.count() >= 10
    by_status = {status: ideas.filter(status=status).count() for status in IdeaStatus.values}
    assert all(by_status.values()), by_status
    assert 3 <= by_status[IdeaStatus.NEW] <= 4
    assert by_status[IdeaStatus.IMPLEMENTED] == 2
    assert sorted(ideas.values_list("number", flat=True)) == list(range(1, ideas.count() + 1))

    assert Vote.objects.filter(idea__in=ideas).exists()
    assert Comment.objects.filter(idea__in=ideas).exists()
    assert Comment.objects.filter(idea__in=ideas, by_manager=True).exists()  # managers reply
    for idea in ideas:  # the counters were kept by the services
        assert idea.vote_count == idea.votes.count()
        assert idea.comment_count == idea.comments.count()
        assert idea.title and idea.today and idea.proposal
        assert len(idea.habits) <= 2
        assert idea.touchpoint.journey.name in {spec["name"] for spec in JOURNEYS}
        assert idea.events.first().to_status == IdeaStatus.NEW

    for idea in ideas.filter(status__in=[IdeaStatus.IMPLEMENTED, IdeaStatus.DECLINED]):
        assert idea.decision_note
    for idea in ideas.filter(status=IdeaStatus.IMPLEMENTED):
        assert idea.implemented_at is not None
    duplicate = ideas.get(status=IdeaStatus.DUPLICATE)
    assert duplicate.duplicate_of.organisation == duplicate.organisation

    authors = set(ideas.exclude(author=None).values_list("author__email", flat=True))
    assert authors == set(EMAILS)


@pytest.mark.django_db
def test_anonymous_demo_ideas_keep_no_author(demo):
    anonymous = _demo_ideas().filter(author=None)
    assert anonymous.count() == sum(1 for spec in IDEAS if spec["anonymous"]) >= 2
    for idea in anonymous:
        assert idea.events.get(to_status=IdeaStatus.NEW).actor is None


@pytest.mark.django_db
def test_a_second_run_adds_no_ideas(demo):
    pks = set(_demo_ideas().values_list("pk", flat=True))
    result = seed_demo()
    assert result.ideas_created == 0
    assert result.ideas_existing == len(pks)
    assert set(_demo_ideas().values_list("pk", flat=True)) == pks


@pytest.mark.django_db
def test_no_demo_ideas_are_added_beside_a_members_own_ideas(demo):
    _demo_ideas().delete()
    carol = get_user_model().objects.get(email="carol@nordic-air.example")
    touchpoint = Touchpoint.objects.filter(organisation__slug="nordic-air").first()
    own, _ = idea_submit(
        actor=carol, touchpoint=touchpoint, title="Mine", today="Today", proposal="Better"
    )

    result = seed_demo()

    assert result.ideas_created == 0
    assert list(_demo_ideas()) == [own]


@pytest.mark.django_db
def test_ideas_for_a_missing_touchpoint_are_left_out(demo):
    _demo_ideas().delete()
    Touchpoint.objects.filter(organisation__slug="nordic-air", name="Overnight kit").delete()

    result = seed_demo()

    missing = sum(1 for spec in IDEAS if spec["touchpoint"] == "Overnight kit")
    assert missing >= 1
    assert result.ideas_created == _demo_ideas().count() == len(IDEAS) - missing
