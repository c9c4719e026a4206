import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from journeys import services
from journeys.models import Stage
from tests.factories import StageFactory, TouchpointFactory


def names(journey):
    return list(journey.stages.order_by("position").values_list("name", flat=True))


def test_add_stages_in_order(client_for, bob, journey):
    client = client_for(bob)
    for name in ("Flight", "Arrival"):
        response = client.post(f"/o/nordic-air/journeys/{journey.pk}/stages/", {"name": name})
        assert response.status_code == 302
    assert names(journey) == ["Booking", "Airport", "Flight", "Arrival"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_bad_stage_name_is_a_field_error(client_for, bob, journey, name):
    response = client_for(bob).post(f"/o/nordic-air/journeys/{journey.pk}/stages/", {"name": name})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert names(journey) == ["Booking", "Airport"]


def test_rename_stage(client_for, bob, journey):
    stage = journey.stages.get(name="Booking")
    url = f"/o/nordic-air/journeys/{journey.pk}/stages/{stage.pk}/edit/"
    assert client_for(bob).post(url, {"name": "Planning"}).status_code == 302
    assert names(journey) == ["Planning", "Airport"]


def test_reorder_stages_with_buttons(client_for, bob, journey):
    airport = journey.stages.get(name="Airport")
    url = f"/o/nordic-air/journeys/{journey.pk}/stages/{airport.pk}/move/"
    client = client_for(bob)
    assert client.post(url, {"direction": "up"}).status_code == 302
    assert names(journey) == ["Airport", "Booking"]
    client.post(url, {"direction": "up"})  # already first: nothing happens
    assert names(journey) == ["Airport", "Booking"]
    response = client.post(url, {"direction": "sideways"}, follow=True)
    assert "Move up or down." in response.content.decode()
    assert names(journey) == ["Airport", "Booking"]


def test_board_order_follows_the_stage_order(client_for, bob, journey):
    airport = journey.stages.get(name="Airport")
    services.stage_move(actor=bob, stage=airport, direction="up")
    board = client_for(bob).get(f"/o/nordic-air/journeys/{journey.pk}/").context["board"]
    assert [tp.name for tp in board.touchpoints] == [
        "Check-in desk",
        "Boarding gate",
        "Phone booking",
    ]


def test_an_empty_stage_is_removed(client_for, bob, journey):
    empty = StageFactory(journey=journey, name="Spare", position=3)
    url = f"/o/nordic-air/journeys/{journey.pk}/stages/{empty.pk}/delete/"
    assert client_for(bob).post(url).status_code == 302
    assert names(journey) == ["Booking", "Airport"]


def test_a_stage_with_touchpoints_needs_somewhere_to_move_them(client_for, bob, journey):
    airport = journey.stages.get(name="Airport")
    url = f"/o/nordic-air/journeys/{journey.pk}/stages/{airport.pk}/delete/"
    response = client_for(bob).post(url)
    assert response.status_code == 200
    assert "choose where to move them" in response.content.decode()
    assert names(journey) == ["Booking", "Airport"]


def test_removing_a_stage_moves_its_touchpoints_in_order(client_for, bob, journey):
    booking, airport = journey.stages.order_by("position")
    url = f"/o/nordic-air/journeys/{journey.pk}/stages/{airport.pk}/delete/"
    assert client_for(bob).post(url, {"move_to": booking.pk}).status_code == 302
    assert names(journey) == ["Booking"]
    order = list(booking.touchpoints.order_by("position").values_list("name", flat=True))
    assert order == ["Phone booking", "Check-in desk", "Boarding gate"]


def test_cannot_move_touchpoints_to_a_stage_of_another_journey(bob, journey, mallory_journey):
    airport = journey.stages.get(name="Airport")
    foreign = mallory_journey.stages.get()
    with pytest.raises(ValidationError):
        services.stage_delete(actor=bob, stage=airport, move_to=foreign)
    assert Stage.objects.filter(pk=airport.pk).exists()


def test_move_to_from_another_journey_in_the_form_is_a_field_error(
    client_for, bob, journey, mallory_journey
):
    airport = journey.stages.get(name="Airport")
    url = f"/o/nordic-air/journeys/{journey.pk}/stages/{airport.pk}/delete/"
    response = client_for(bob).post(url, {"move_to": mallory_journey.stages.get().pk})
    assert response.status_code == 200
    assert "move_to" in response.context["form"].errors
    assert Stage.objects.filter(pk=airport.pk).exists()


def test_a_stage_of_another_journey_in_the_url_is_404(client_for, bob, nordic, journey):
    other = StageFactory(journey__organisation=nordic, journey__name="Other")
    url = f"/o/nordic-air/journeys/{journey.pk}/stages/{other.pk}/edit/"
    assert client_for(bob).get(url).status_code == 404


def test_staff_cannot_change_stages(carol, journey):
    with pytest.raises(PermissionDenied):
        services.stage_create(actor=carol, journey=journey, name="Extra")
    with pytest.raises(PermissionDenied):
        services.stage_move(actor=carol, stage=journey.stages.first(), direction="down")


def test_touchpoint_factory_positions_are_renumbered_after_delete(bob, journey):
    airport = journey.stages.get(name="Airport")
    TouchpointFactory(stage=airport, name="Lounge", position=3)
    services.stage_delete(actor=bob, stage=airport, move_to=journey.stages.get(name="Booking"))
    positions = list(journey.touchpoints.order_by("position").values_list("position", flat=True))
    assert positions == [1, 2, 3, 4]
