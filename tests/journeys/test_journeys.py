import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from journeys import services
from journeys.models import Journey, ReviewCadence
from tests.factories import JourneyFactory


def test_manager_creates_a_journey_with_quarterly_review_by_default(client_for, bob, nordic):
    response = client_for(bob).post(
        "/o/nordic-air/journeys/new/",
        {
            "name": "Business trip",
            "segment": "Business traveller",
            "owner": bob.pk,
            "review_cadence": "quarterly",
        },
    )
    journey = Journey.objects.get(organisation=nordic)
    assert response.status_code == 302
    assert response["Location"] == f"/o/nordic-air/journeys/{journey.pk}/stages/"
    assert journey.owner == bob
    assert journey.review_cadence == ReviewCadence.QUARTERLY


def test_journey_name_is_unique_in_the_org_whatever_the_case(client_for, bob, journey):
    response = client_for(bob).post(
        "/o/nordic-air/journeys/new/", {"name": "  BUSINESS trip ", "review_cadence": "monthly"}
    )
    assert response.status_code == 200
    assert "There is already a journey with this name." in response.content.decode()
    assert 'value="  BUSINESS trip "' in response.content.decode()
    assert Journey.objects.count() == 1


def test_the_same_name_is_fine_in_another_org(mallory, other_org, journey):
    j = services.journey_create(actor=mallory, organisation=other_org, name="Business trip")
    assert j.organisation == other_org


@pytest.mark.parametrize(
    "data,field",
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "Ok", "review_cadence": "weeks"}, "review_every_weeks"),
        (
            {"name": "Ok", "review_cadence": "weeks", "review_every_weeks": "0"},
            "review_every_weeks",
        ),
        ({"name": "Ok", "review_cadence": "sometimes"}, "review_cadence"),
        ({"name": "Ok", "review_cadence": "monthly", "description": "d" * 5001}, "description"),
    ],
)
def test_bad_journey_input_is_a_field_error_and_changes_nothing(
    client_for, bob, nordic, data, field
):
    data = {"review_cadence": "quarterly", **data}
    response = client_for(bob).post("/o/nordic-air/journeys/new/", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Journey.objects.exists()


def test_owner_from_another_org_is_refused(client_for, bob, mallory, nordic):
    response = client_for(bob).post(
        "/o/nordic-air/journeys/new/",
        {"name": "Trip", "review_cadence": "quarterly", "owner": mallory.pk},
    )
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not Journey.objects.exists()


def test_journey_owner_must_be_a_manager(bob, carol, nordic):
    with pytest.raises(ValidationError) as exc:
        services.journey_create(actor=bob, organisation=nordic, name="Trip", owner=carol)
    assert "owner" in exc.value.message_dict


def test_staff_cannot_create_a_journey(carol, nordic):
    with pytest.raises(PermissionDenied):
        services.journey_create(actor=carol, organisation=nordic, name="Trip")
    assert not Journey.objects.exists()


def test_every_n_weeks_is_stored(bob, nordic):
    j = services.journey_create(
        actor=bob, organisation=nordic, name="Trip", review_cadence="weeks", review_every_weeks=6
    )
    assert (j.review_cadence, j.review_every_weeks) == ("weeks", 6)
    j = services.journey_update(actor=bob, journey=j, review_cadence="yearly")
    assert j.review_every_weeks is None


def test_edit_journey(client_for, bob, journey):
    response = client_for(bob).post(
        f"/o/nordic-air/journeys/{journey.pk}/edit/",
        {
            "name": "Business trips",
            "description": "From booking to invoice",
            "review_cadence": "half_yearly",
            "owner": bob.pk,
        },
    )
    assert response.status_code == 302
    journey.refresh_from_db()
    assert (journey.name, journey.review_cadence) == ("Business trips", "half_yearly")


def test_a_journey_with_content_is_archived_not_deleted(client_for, bob, journey):
    client = client_for(bob)
    response = client.post(f"/o/nordic-air/journeys/{journey.pk}/delete/")
    assert response.status_code == 302
    assert Journey.objects.filter(pk=journey.pk).exists()
    page = client.get(f"/o/nordic-air/journeys/{journey.pk}/delete/").content.decode()
    assert "cannot be deleted" in page

    client.post(f"/o/nordic-air/journeys/{journey.pk}/archive/")
    journey.refresh_from_db()
    assert journey.is_archived
    home = client.get("/o/nordic-air/")
    assert journey not in home.context["journeys"]
    assert journey in home.context["archived"]
    assert "Archived journeys" in home.content.decode()

    client.post(f"/o/nordic-air/journeys/{journey.pk}/restore/")
    journey.refresh_from_db()
    assert not journey.is_archived


def test_an_empty_journey_can_be_deleted(client_for, bob, nordic):
    empty = JourneyFactory(organisation=nordic, name="Empty")
    response = client_for(bob).post(f"/o/nordic-air/journeys/{empty.pk}/delete/")
    assert response.status_code == 302
    assert not Journey.objects.filter(pk=empty.pk).exists()


def test_deleting_a_journey_with_content_is_refused_by_the_service(bob, journey):
    with pytest.raises(ValidationError):
        services.journey_delete(actor=bob, journey=journey)


def test_organisation_home_lists_journeys_with_their_figures(client_for, carol, journey):
    response = client_for(carol).get("/o/nordic-air/")
    listed = response.context["journeys"][0]
    assert listed.touchpoint_count == 3
    assert listed.moments_per_day == 1200 + 5000 + 4000
    assert listed.seconds_per_customer == 240 + 90 + 20
    assert listed.below_target == 3
    assert "10\u202f200" in response.content.decode()


def test_staff_sees_no_new_journey_button(client_for, carol, bob, journey):
    assert "New journey" not in client_for(carol).get("/o/nordic-air/").content.decode()
    assert "New journey" in client_for(bob).get("/o/nordic-air/").content.decode()


def test_a_manager_of_two_organisations_is_listed_once_and_can_own(client_for, alice, nordic):
    from motmap.services import organisation_create

    organisation_create(actor=alice, name="Second Org")
    form = client_for(alice).get("/o/nordic-air/journeys/new/").context["form"]
    assert list(form.fields["owner"].queryset).count(alice) == 1
    response = client_for(alice).post(
        "/o/nordic-air/journeys/new/",
        {"name": "Trip", "owner": alice.pk, "review_cadence": "quarterly"},
    )
    assert response.status_code == 302
    assert Journey.objects.get(name="Trip").owner == alice
