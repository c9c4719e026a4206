"""Drag and drop on the board: a touchpoint to a place in a stage, a stage to a place.

The board's script posts the same move addresses as the ↑/↓ buttons, with the place and the
version it saw, and asks for JSON; a refused move changes nothing and says why.
"""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from journeys import services as journey_services
from journeys.services import BoardChanged
from tests.factories import StageFactory, TouchpointFactory
from touchpoints import services
from touchpoints.models import Touchpoint

JSON = {"HTTP_ACCEPT": "application/json"}


def order(journey):
    return [
        (tp.stage.name, tp.name)
        for tp in journey.touchpoints.select_related("stage").in_customer_order()
    ]


def positions(stage):
    return list(stage.touchpoints.order_by("position").values_list("position", flat=True))


def move_url(tp):
    return f"/o/nordic-air/touchpoints/{tp.pk}/move/"


def stage_url(journey, stage):
    return f"/o/nordic-air/journeys/{journey.pk}/stages/{stage.pk}/move/"


@pytest.fixture
def tps(journey):
    return {tp.name: tp for tp in journey.touchpoints.all()}


@pytest.fixture
def stages(journey):
    return {s.name: s for s in journey.stages.all()}


# --- the service ---------------------------------------------------------------------------


def test_move_to_a_place_within_its_stage(bob, journey, tps, stages):
    gate = tps["Boarding gate"]
    moved = services.touchpoint_move(
        actor=bob, touchpoint=gate, stage=stages["Airport"], index=0, version=gate.version
    )
    assert moved is True
    assert order(journey) == [
        ("Booking", "Phone booking"),
        ("Airport", "Boarding gate"),
        ("Airport", "Check-in desk"),
    ]
    assert positions(stages["Airport"]) == [1, 2]
    gate.refresh_from_db()
    assert gate.version == 1  # a new place in its stage is no new version


def test_move_to_a_place_in_another_stage(bob, journey, tps, stages):
    check_in = tps["Check-in desk"]
    services.touchpoint_move(
        actor=bob, touchpoint=check_in, stage=stages["Booking"], index=0, version=1
    )
    assert order(journey) == [
        ("Booking", "Check-in desk"),
        ("Booking", "Phone booking"),
        ("Airport", "Boarding gate"),
    ]
    assert positions(stages["Booking"]) == [1, 2]
    assert positions(stages["Airport"]) == [1]
    check_in.refresh_from_db()
    assert check_in.version == 2  # a change of stage is an edit


def test_a_place_past_the_end_is_the_end(bob, journey, tps, stages):
    phone = tps["Phone booking"]
    services.touchpoint_move(
        actor=bob, touchpoint=phone, stage=stages["Airport"], index=99, version=1
    )
    assert order(journey)[-1] == ("Airport", "Phone booking")
    assert positions(stages["Airport"]) == [1, 2, 3]
    assert positions(stages["Booking"]) == []


def test_move_into_an_empty_stage(bob, journey, tps):
    empty = StageFactory(journey=journey, name="Flight", position=3)
    services.touchpoint_move(
        actor=bob, touchpoint=tps["Boarding gate"], stage=empty, index=0, version=1
    )
    assert order(journey)[-1] == ("Flight", "Boarding gate")


def test_the_same_place_changes_nothing(bob, tps, stages):
    gate = tps["Boarding gate"]
    assert (
        services.touchpoint_move(
            actor=bob, touchpoint=gate, stage=stages["Airport"], index=1, version=1
        )
        is False
    )
    gate.refresh_from_db()
    assert (gate.position, gate.version) == (2, 1)


def test_a_stale_version_is_refused_and_nothing_moves(alice, bob, journey, tps, stages):
    check_in = tps["Check-in desk"]
    services.touchpoint_update(actor=alice, touchpoint=check_in, version=1, name="Desk")
    before = order(journey)
    with pytest.raises(services.EditConflict) as exc:
        services.touchpoint_move(
            actor=bob, touchpoint=check_in, stage=stages["Booking"], index=0, version=1
        )
    assert exc.value.current.version == 2
    assert order(journey) == before


def test_a_touchpoint_moved_by_someone_else_is_refused(alice, bob, journey, tps, stages):
    check_in = tps["Check-in desk"]
    services.touchpoint_move(actor=alice, touchpoint=check_in, direction="up")  # into Booking
    with pytest.raises(services.EditConflict):
        services.touchpoint_move(
            actor=bob, touchpoint=check_in, stage=stages["Airport"], index=1, version=1
        )
    assert order(journey)[1] == ("Booking", "Check-in desk")


def test_a_touchpoint_deleted_meanwhile_is_refused(bob, tps, stages):
    gate = tps["Boarding gate"]
    Touchpoint.objects.filter(pk=gate.pk).delete()
    with pytest.raises(BoardChanged):
        services.touchpoint_move(
            actor=bob, touchpoint=gate, stage=stages["Booking"], index=0, version=1
        )


def test_a_stage_of_another_journey_is_refused(bob, tps, mallory_journey):
    other = mallory_journey.stages.get()
    with pytest.raises(ValidationError):
        services.touchpoint_move(
            actor=bob, touchpoint=tps["Boarding gate"], stage=other, index=0, version=1
        )
    assert other.touchpoints.count() == 1


@pytest.mark.parametrize("index", [-1, "1", None, True])
def test_a_bad_place_is_refused(bob, tps, stages, index):
    with pytest.raises(ValidationError):
        services.touchpoint_move(
            actor=bob,
            touchpoint=tps["Boarding gate"],
            stage=stages["Booking"],
            index=index,
            version=1,
        )


def test_staff_cannot_move_to_a_place(carol, tps, stages):
    with pytest.raises(PermissionDenied):
        services.touchpoint_move(
            actor=carol,
            touchpoint=tps["Boarding gate"],
            stage=stages["Booking"],
            index=0,
            version=1,
        )


def test_stage_to_a_place(bob, journey, stages):
    flight = StageFactory(journey=journey, name="Flight", position=3)
    assert journey_services.stage_move(actor=bob, stage=flight, index=0) is True
    assert list(journey.stages.order_by("position").values_list("name", "position")) == [
        ("Flight", 1),
        ("Booking", 2),
        ("Airport", 3),
    ]
    assert journey_services.stage_move(actor=bob, stage=flight, index=0) is False


def test_stage_move_refused_when_the_stages_changed_since(bob, journey, stages):
    seen = [stages["Booking"].pk, stages["Airport"].pk]
    journey_services.stage_move(actor=bob, stage=stages["Airport"], direction="up")
    with pytest.raises(BoardChanged):
        journey_services.stage_move(actor=bob, stage=stages["Booking"], index=1, seen_order=seen)
    assert list(journey.stages.order_by("position").values_list("name", flat=True)) == [
        "Airport",
        "Booking",
    ]


def test_staff_cannot_move_a_stage_to_a_place(carol, stages):
    with pytest.raises(PermissionDenied):
        journey_services.stage_move(actor=carol, stage=stages["Airport"], index=0)


# --- the views -----------------------------------------------------------------------------


def test_drop_within_a_stage(client_for, bob, journey, tps, stages):
    gate = tps["Boarding gate"]
    response = client_for(bob).post(
        move_url(gate),
        {"stage": stages["Airport"].pk, "index": "0", "version": gate.version},
        **JSON,
    )
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert order(journey)[1:] == [("Airport", "Boarding gate"), ("Airport", "Check-in desk")]


def test_drop_in_another_stage(client_for, bob, journey, tps, stages):
    phone = tps["Phone booking"]
    response = client_for(bob).post(
        move_url(phone), {"stage": stages["Airport"].pk, "index": "1", "version": "1"}, **JSON
    )
    assert response.status_code == 200
    assert order(journey) == [
        ("Airport", "Check-in desk"),
        ("Airport", "Phone booking"),
        ("Airport", "Boarding gate"),
    ]


def test_drop_without_javascript_headers_goes_back_to_the_board(client_for, bob, journey, tps):
    gate = tps["Boarding gate"]
    airport = gate.stage
    response = client_for(bob).post(
        move_url(gate), {"stage": airport.pk, "index": "0", "version": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/o/nordic-air/journeys/{journey.pk}/"
    assert order(journey)[1] == ("Airport", "Boarding gate")


def test_a_stale_drop_is_refused_with_both_versions_and_who(client_for, alice, bob, journey, tps):
    check_in = tps["Check-in desk"]
    services.touchpoint_update(
        actor=alice, touchpoint=check_in, version=1, desired_outcome="Greet by name."
    )
    before = order(journey)
    response = client_for(bob).post(
        move_url(check_in),
        {"stage": journey.stages.get(name="Booking").pk, "index": "0", "version": "1"},
        **JSON,
    )
    # Not a failed request: the board the person saw is out of date. The script puts it back.
    assert response.status_code == 200
    data = response.json()
    assert (data["ok"], data["reason"], data["version"]) == (False, "conflict", 2)
    assert "version 1" in data["message"] and "version 2" in data["message"]
    assert "Alice Andersson" in data["message"]
    assert "Check-in desk" in data["message"]
    assert order(journey) == before


def test_a_stale_drop_without_javascript_is_a_message_on_the_board(
    client_for, alice, bob, journey, tps
):
    check_in = tps["Check-in desk"]
    services.touchpoint_update(actor=alice, touchpoint=check_in, version=1, name="Desk")
    client = client_for(bob)
    response = client.post(
        move_url(check_in), {"stage": check_in.stage_id, "index": "1", "version": "1"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "was not moved" in page


@pytest.mark.parametrize(
    "data",
    [
        {"stage": "not-a-uuid", "index": "0", "version": "1"},
        {"index": "0", "version": "1"},
        {"stage": "STAGE", "index": "-3", "version": "1"},
        {"stage": "STAGE", "index": "first", "version": "1"},
        {"stage": "STAGE", "index": "0"},
        {"stage": "STAGE", "index": "0", "version": "x"},
        {"stage": "STAGE", "index": "9" * 30, "version": "1"},
    ],
)
def test_a_bad_drop_is_400_and_changes_nothing(client_for, bob, journey, tps, data):
    gate = tps["Boarding gate"]
    data = {
        k: (str(journey.stages.get(name="Booking").pk) if v == "STAGE" else v)
        for k, v in data.items()
    }
    before = order(journey)
    response = client_for(bob).post(move_url(gate), data, **JSON)
    assert response.status_code == 400
    assert response.json()["message"]
    assert order(journey) == before


def test_a_drop_in_a_stage_of_another_journey_is_refused(
    client_for, bob, journey, tps, mallory_journey
):
    gate = tps["Boarding gate"]
    other = mallory_journey.stages.get()
    response = client_for(bob).post(
        move_url(gate), {"stage": other.pk, "index": "0", "version": "1"}, **JSON
    )
    assert response.status_code == 400
    assert other.touchpoints.count() == 1
    gate.refresh_from_db()
    assert gate.stage.name == "Airport"


def test_another_orgs_touchpoint_is_404(client_for, mallory, tps, stages):
    gate = tps["Boarding gate"]
    for slug in ("nordic-air", "mallory-mart"):
        response = client_for(mallory).post(
            f"/o/{slug}/touchpoints/{gate.pk}/move/",
            {"stage": stages["Booking"].pk, "index": "0", "version": "1"},
            **JSON,
        )
        assert response.status_code == 404
    gate.refresh_from_db()
    assert gate.stage == stages["Airport"]


def test_staff_drop_is_403(client_for, carol, journey, tps, stages):
    before = order(journey)
    response = client_for(carol).post(
        move_url(tps["Boarding gate"]),
        {"stage": stages["Booking"].pk, "index": "0", "version": "1"},
        **JSON,
    )
    assert response.status_code == 403
    assert order(journey) == before


def test_a_refused_button_move_through_htmx_is_json_with_its_status(client_for, bob, tps):
    response = client_for(bob).post(
        move_url(tps["Boarding gate"]), {"direction": "sideways"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Move up or down."


def test_a_button_move_of_a_touchpoint_deleted_meanwhile_is_refused(bob, tps):
    gate = tps["Boarding gate"]
    Touchpoint.objects.filter(pk=gate.pk).delete()
    with pytest.raises(BoardChanged):
        services.touchpoint_move(actor=bob, touchpoint=gate, direction="up")


def test_stage_drop(client_for, bob, journey, stages):
    seen = [stages["Booking"].pk, stages["Airport"].pk]
    response = client_for(bob).post(
        stage_url(journey, stages["Airport"]), {"index": "0", "seen": seen}, **JSON
    )
    assert response.status_code == 200
    assert list(journey.stages.order_by("position").values_list("name", flat=True)) == [
        "Airport",
        "Booking",
    ]
    assert order(journey)[0] == ("Airport", "Check-in desk")


def test_stage_drop_on_an_out_of_date_board_is_refused(client_for, alice, bob, journey, stages):
    seen = [stages["Booking"].pk, stages["Airport"].pk]
    StageFactory(journey=journey, name="Flight", position=3)  # alice added a stage meanwhile
    response = client_for(bob).post(
        stage_url(journey, stages["Airport"]), {"index": "0", "seen": seen}, **JSON
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["ok"], data["reason"]) == (False, "conflict")
    assert "changed the stages" in data["message"]
    assert journey.stages.get(name="Booking").position == 1


def test_stage_drop_bad_place_is_400(client_for, bob, journey, stages):
    response = client_for(bob).post(
        stage_url(journey, stages["Airport"]), {"index": "left"}, **JSON
    )
    assert response.status_code == 400
    assert journey.stages.get(name="Booking").position == 1


def test_stage_drop_by_staff_is_403_and_by_another_org_404(
    client_for, carol, mallory, journey, stages
):
    url = stage_url(journey, stages["Airport"])
    assert client_for(carol).post(url, {"index": "0"}, **JSON).status_code == 403
    assert client_for(mallory).post(url, {"index": "0"}, **JSON).status_code == 404
    assert journey.stages.get(name="Booking").position == 1


def test_board_carries_what_the_script_needs_for_editors_only(client_for, bob, carol, journey, tps):
    gate = tps["Boarding gate"]
    page = client_for(bob).get(f"/o/nordic-air/journeys/{journey.pk}/").content.decode()
    assert "vendor/sortable.min.js" in page
    assert f'data-version="{gate.version}"' in page
    assert f'data-move-url="/o/nordic-air/touchpoints/{gate.pk}/move/"' in page
    assert 'id="board-alert" role="alert"' in page
    staff = client_for(carol).get(f"/o/nordic-air/journeys/{journey.pk}/").content.decode()
    assert "sortable.min.js" not in staff
    assert "data-sortable" not in staff and "drag-handle" not in staff


def test_drop_query_count_does_not_grow_with_the_stage(
    client_for, bob, journey, stages, django_assert_max_num_queries
):
    for i in range(30):
        TouchpointFactory(stage=stages["Airport"], name=f"Extra {i}", position=10 + i)
    gate = journey.touchpoints.get(name="Boarding gate")
    client = client_for(bob)
    client.get("/o/nordic-air/")
    with django_assert_max_num_queries(16):
        response = client.post(
            move_url(gate), {"stage": stages["Booking"].pk, "index": "0", "version": "1"}, **JSON
        )
    assert json.loads(response.content)["ok"] is True
