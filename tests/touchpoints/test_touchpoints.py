import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import JourneyFactory, StageFactory, TouchpointFactory
from touchpoints import services
from touchpoints.models import Touchpoint, TouchpointChange


def form_data(touchpoint=None, **overrides):
    """A complete touchpoint form, as the browser would post it."""
    data = {
        "name": "Lounge welcome",
        "channel": "in_person",
        "frontline_role": "Lounge host",
        "moment": "The traveller shows the boarding pass at the lounge door.",
        "desired_outcome": "Greeted by name within ten seconds.\nOffered a quiet seat.",
        "customer_wants": "Quiet, a coffee, a socket.",
        "rating_current": "0",
        "rating_target": "2",
        "contacts_per_day": "800",
        "duration_seconds": "20",
        "habits": ["strokes", "anticipate"],
    }
    if touchpoint is not None:
        data.update(
            {
                "name": touchpoint.name,
                "stage": str(touchpoint.stage_id),
                "desired_outcome": touchpoint.desired_outcome,
                "customer_wants": touchpoint.customer_wants,
                "rating_current": str(touchpoint.rating_current),
                "rating_target": str(touchpoint.rating_target),
                "contacts_per_day": str(touchpoint.contacts_per_day),
                "duration_seconds": str(touchpoint.duration_seconds),
                "version": str(touchpoint.version),
                "habits": list(touchpoint.habits),
            }
        )
    data.update(overrides)
    return data


def test_manager_adds_a_touchpoint_at_the_end_of_its_stage(client_for, bob, journey):
    airport = journey.stages.get(name="Airport")
    url = f"/o/nordic-air/journeys/{journey.pk}/touchpoints/new/"
    response = client_for(bob).post(url, form_data(stage=str(airport.pk), owner=str(bob.pk)))
    assert response.status_code == 302
    tp = Touchpoint.objects.get(name="Lounge welcome")
    assert (tp.stage, tp.position, tp.owner, tp.organisation) == (
        airport,
        3,
        bob,
        journey.organisation,
    )
    assert tp.habits == ["strokes", "anticipate"]
    assert tp.desired_outcome_first_line == "Greeted by name within ten seconds."


def test_new_touchpoint_form_preselects_the_stage(client_for, bob, journey):
    airport = journey.stages.get(name="Airport")
    url = f"/o/nordic-air/journeys/{journey.pk}/touchpoints/new/?stage={airport.pk}"
    form = client_for(bob).get(url).context["form"]
    assert str(form["stage"].value()) == str(airport.pk)


def test_a_journey_without_stages_asks_for_a_stage_first(client_for, bob, nordic):
    empty = JourneyFactory(organisation=nordic, name="Empty")
    response = client_for(bob).get(f"/o/nordic-air/journeys/{empty.pk}/touchpoints/new/")
    assert response.status_code == 302
    assert response["Location"].endswith("/stages/")


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"rating_current": "3"}, "rating_current"),
        ({"rating_target": "-3"}, "rating_target"),
        ({"rating_current": "wow"}, "rating_current"),
        ({"contacts_per_day": "-1"}, "contacts_per_day"),
        ({"contacts_per_day": "99999999999"}, "contacts_per_day"),
        ({"duration_seconds": "-5"}, "duration_seconds"),
        ({"duration_seconds": "86401"}, "duration_seconds"),
        ({"channel": "pigeon"}, "channel"),
        ({"habits": ["flattery"]}, "habits"),
        ({"desired_outcome": "x" * 10001}, "desired_outcome"),
    ],
)
def test_bad_touchpoint_input_is_a_field_error_and_keeps_the_text(
    client_for, bob, journey, overrides, field
):
    airport = journey.stages.get(name="Airport")
    url = f"/o/nordic-air/journeys/{journey.pk}/touchpoints/new/"
    data = form_data(stage=str(airport.pk), **overrides)
    response = client_for(bob).post(url, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "The traveller shows the boarding pass" in response.content.decode()
    assert Touchpoint.objects.count() == 3


def test_stage_of_another_journey_is_refused(client_for, bob, journey, nordic):
    other_stage = StageFactory(journey__organisation=nordic, journey__name="Other")
    url = f"/o/nordic-air/journeys/{journey.pk}/touchpoints/new/"
    response = client_for(bob).post(url, form_data(stage=str(other_stage.pk)))
    assert response.status_code == 200
    assert "stage" in response.context["form"].errors
    assert Touchpoint.objects.count() == 3


def test_owner_from_another_org_is_refused(client_for, bob, mallory, journey):
    airport = journey.stages.get(name="Airport")
    url = f"/o/nordic-air/journeys/{journey.pk}/touchpoints/new/"
    response = client_for(bob).post(url, form_data(stage=str(airport.pk), owner=str(mallory.pk)))
    assert "owner" in response.context["form"].errors
    assert Touchpoint.objects.count() == 3


def test_service_refuses_a_stage_of_another_journey(bob, journey, nordic):
    other_stage = StageFactory(journey__organisation=nordic, journey__name="Other")
    with pytest.raises(ValidationError) as exc:
        services.touchpoint_create(actor=bob, journey=journey, stage=other_stage, name="X")
    assert "stage" in exc.value.message_dict


def test_service_refuses_ratings_out_of_range(bob, journey):
    stage = journey.stages.first()
    with pytest.raises(ValidationError) as exc:
        services.touchpoint_create(
            actor=bob, journey=journey, stage=stage, name="X", rating_current=5
        )
    assert "rating_current" in exc.value.message_dict


def test_staff_cannot_add_or_edit(carol, journey, touchpoint):
    with pytest.raises(PermissionDenied):
        services.touchpoint_create(actor=carol, journey=journey, stage=touchpoint.stage, name="X")
    with pytest.raises(PermissionDenied):
        services.touchpoint_update(actor=carol, touchpoint=touchpoint, version=1, name="Y")


def test_edit_keeps_history_of_outcome_wants_and_ratings(client_for, bob, touchpoint):
    url = f"/o/nordic-air/touchpoints/{touchpoint.pk}/edit/"
    data = form_data(
        touchpoint, desired_outcome="Checked in within two minutes, by name.", rating_current="1"
    )
    response = client_for(bob).post(url, data)
    assert response.status_code == 302
    touchpoint.refresh_from_db()
    assert touchpoint.version == 2
    changes = {c.field: c for c in TouchpointChange.objects.filter(touchpoint=touchpoint)}
    assert set(changes) == {"desired_outcome", "rating_current"}
    assert changes["rating_current"].old_value == "0"
    assert changes["rating_current"].new_value == "1"
    assert changes["desired_outcome"].actor == bob
    page = client_for(bob).get(f"/o/nordic-air/touchpoints/{touchpoint.pk}/").content.decode()
    assert "Checked in within two minutes, by name." in page
    assert "Neutral" in page and "Pleases" in page
    assert "Bob Berg" in page


def test_a_second_editor_gets_a_conflict_with_both_versions(client_for, alice, bob, touchpoint):
    url = f"/o/nordic-air/touchpoints/{touchpoint.pk}/edit/"
    alice_form = form_data(touchpoint, desired_outcome="Alice: greet by name.")
    bob_form = form_data(touchpoint, desired_outcome="Bob: no queue at all.")
    assert client_for(alice).post(url, alice_form).status_code == 302

    response = client_for(bob).post(url, bob_form)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this touchpoint" in page
    assert "Alice: greet by name." in page  # theirs
    assert "Bob: no queue at all." in page  # yours, kept in the form
    touchpoint.refresh_from_db()
    assert touchpoint.desired_outcome == "Alice: greet by name."

    # Saving again, having seen the other version, is deliberate and goes through.
    resubmit = response.context["form"].data
    assert client_for(bob).post(url, resubmit).status_code == 302
    touchpoint.refresh_from_db()
    assert touchpoint.desired_outcome == "Bob: no queue at all."
    assert touchpoint.version == 3


def test_a_stale_version_with_the_same_content_is_no_conflict(client_for, alice, bob, touchpoint):
    url = f"/o/nordic-air/touchpoints/{touchpoint.pk}/edit/"
    same = form_data(touchpoint, customer_wants="Speed.")
    assert client_for(alice).post(url, same).status_code == 302
    assert client_for(bob).post(url, same).status_code == 302


def test_the_service_refuses_a_stale_version(bob, touchpoint):
    services.touchpoint_update(actor=bob, touchpoint=touchpoint, version=1, name="New name")
    with pytest.raises(services.EditConflict) as exc:
        services.touchpoint_update(actor=bob, touchpoint=touchpoint, version=1, name="Other")
    assert exc.value.current.name == "New name"


def test_moving_a_touchpoint_to_another_stage_in_the_edit_form(client_for, bob, journey):
    phone = journey.touchpoints.get(name="Phone booking")
    airport = journey.stages.get(name="Airport")
    url = f"/o/nordic-air/touchpoints/{phone.pk}/edit/"
    client_for(bob).post(url, form_data(phone, stage=str(airport.pk)))
    phone.refresh_from_db()
    assert (phone.stage, phone.position) == (airport, 3)


def order(journey):
    return [
        (tp.stage.name, tp.name)
        for tp in journey.touchpoints.select_related("stage").in_customer_order()
    ]


def test_reorder_within_a_stage_and_across_stages(client_for, bob, journey):
    client = client_for(bob)
    gate = journey.touchpoints.get(name="Boarding gate")
    url = f"/o/nordic-air/touchpoints/{gate.pk}/move/"
    assert client.post(url, {"direction": "up"}).status_code == 302
    assert order(journey) == [
        ("Booking", "Phone booking"),
        ("Airport", "Boarding gate"),
        ("Airport", "Check-in desk"),
    ]
    client.post(url, {"direction": "up"})  # first in Airport: crosses into Booking, at its end
    assert order(journey) == [
        ("Booking", "Phone booking"),
        ("Booking", "Boarding gate"),
        ("Airport", "Check-in desk"),
    ]
    client.post(url, {"direction": "down"})  # last in Booking: back to the start of Airport
    assert order(journey)[1] == ("Airport", "Boarding gate")


def test_moving_the_very_first_touchpoint_up_changes_nothing(bob, journey):
    phone = journey.touchpoints.get(name="Phone booking")
    assert services.touchpoint_move(actor=bob, touchpoint=phone, direction="up") is False


def test_delete_a_touchpoint(client_for, bob, touchpoint):
    response = client_for(bob).post(f"/o/nordic-air/touchpoints/{touchpoint.pk}/delete/")
    assert response.status_code == 302
    assert not Touchpoint.objects.filter(pk=touchpoint.pk).exists()


def test_touchpoint_page_shows_ratings_as_words_and_symbols(client_for, carol, touchpoint):
    page = client_for(carol).get(f"/o/nordic-air/touchpoints/{touchpoint.pk}/").content.decode()
    assert 'aria-hidden="true">●</span> <span class="rating__label">Neutral</span>' in page
    assert 'aria-hidden="true">★</span> <span class="rating__label">Wows</span>' in page
    assert f"/o/nordic-air/touchpoints/{touchpoint.pk}/edit/" not in page  # staff: read only


def test_another_orgs_touchpoint_is_404(client_for, mallory, touchpoint):
    url = f"/o/mallory-mart/touchpoints/{touchpoint.pk}/"
    assert client_for(mallory).get(url).status_code == 404


def test_factory_touchpoint_is_valid(db):
    tp = TouchpointFactory()
    assert tp.organisation == tp.journey.organisation


def test_moving_into_another_stage_makes_an_older_edit_conflict(bob, journey):
    gate = journey.touchpoints.get(name="Boarding gate")
    check_in = journey.touchpoints.get(name="Check-in desk")
    services.touchpoint_move(actor=bob, touchpoint=check_in, direction="up")  # into Booking
    check_in.refresh_from_db()
    assert check_in.stage.name == "Booking"
    with pytest.raises(services.EditConflict):
        services.touchpoint_update(actor=bob, touchpoint=check_in, version=1, name="Desk")
    assert gate.version == 1


def test_moving_with_a_stale_object_uses_the_current_stage(bob, journey):
    check_in = journey.touchpoints.get(name="Check-in desk")
    stale = journey.touchpoints.get(name="Check-in desk")
    services.touchpoint_move(actor=bob, touchpoint=check_in, direction="up")  # into Booking
    assert services.touchpoint_move(actor=bob, touchpoint=stale, direction="up") is True
    assert [tp.name for tp in journey.touchpoints.in_customer_order()][:2] == [
        "Check-in desk",
        "Phone booking",
    ]


def test_first_and_last_cards_offer_only_the_moves_they_can_make(client_for, bob, journey):
    page = client_for(bob).get(f"/o/nordic-air/journeys/{journey.pk}/").content.decode()
    first = journey.touchpoints.get(name="Phone booking")
    last = journey.touchpoints.get(name="Boarding gate")
    assert f'id="move-up-{first.pk}"' not in page and f'id="move-down-{first.pk}"' in page
    assert f'id="move-down-{last.pk}"' not in page and f'id="move-up-{last.pk}"' in page


def test_a_touchpoint_with_ideas_is_not_deleted(client_for, bob, carol, touchpoint):
    from ideas.services import idea_submit

    idea_submit(actor=carol, touchpoint=touchpoint, title="T", today="Now", proposal="Wow")
    response = client_for(bob).post(
        f"/o/nordic-air/touchpoints/{touchpoint.pk}/delete/", follow=True
    )
    assert "cannot be deleted" in response.content.decode()
    assert Touchpoint.objects.filter(pk=touchpoint.pk).exists()
