import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from journeys.models import Journey, Stage
from motmap.demo import JOURNEYS, PASSWORD, seed_demo
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
        for model in (Organisation, get_user_model(), Membership, Journey, Stage, Touchpoint)
    }


@pytest.mark.django_db
def test_seed_creates_organisation_people_and_journeys():
    seed_demo()

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
def test_touchpoints_are_complete_and_written_with_history():
    seed_demo()
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
def test_business_trip_has_a_meaningful_priority_list():
    seed_demo()
    trip = Journey.objects.get(organisation__slug="nordic-air", name="Business trip")
    positive = [
        tp
        for tp in trip.touchpoints.all()
        if tp.contacts_per_day * (tp.rating_target - tp.rating_current) > 0
    ]
    assert len(positive) >= 5


@pytest.mark.django_db
def test_running_twice_changes_nothing():
    seed_demo()
    before = _counts()
    result = seed_demo()
    assert _counts() == before
    assert not result.organisation_created
    assert result.users_created == [] and result.journeys_created == []
    assert result.touchpoints_created == 0


@pytest.mark.django_db
def test_running_again_keeps_users_edits_and_passwords():
    seed_demo()
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
def test_demo_users_can_log_in():
    seed_demo()
    User = get_user_model()
    for email in EMAILS:
        assert User.objects.get(email=email).check_password(PASSWORD)


@pytest.mark.django_db
def test_command_prints_what_it_did_and_the_logins():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "Nordic Air" in text
    assert PASSWORD in text
    for email in EMAILS:
        assert email in text
    for spec in JOURNEYS:
        assert spec["name"] in text

    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "already there" in again.getvalue()
    assert "alice@nordic-air.example" in again.getvalue()
