"""The v1 API of journeys, stages and touchpoints (api/journeys.py), through the same services
as the pages."""

import json

import pytest

from api import services
from journeys.models import Journey, Stage
from tests.factories import OrganisationFactory, StageFactory
from touchpoints.models import Touchpoint

BASE = "/api/v1/orgs/nordic-air"


def send(client, method, url, data=None, **extra):
    body = data if isinstance(data, str) else json.dumps(data)
    return getattr(client, method)(url, body, content_type="application/json", **extra)


def test_list_and_create_journey(token_client, bob, nordic, journey):
    client = token_client(bob, nordic)
    response = client.get(f"{BASE}/journeys/")
    assert response.status_code == 200
    assert [j["name"] for j in response.json()["results"]] == ["Business trip"]
    response = send(client, "post", f"{BASE}/journeys/", {"name": "Holiday", "segment": "Family"})
    assert response.status_code == 201, response.json()
    created = Journey.objects.get(name="Holiday")
    assert created.owner == bob and created.next_review_on  # the service's defaults


@pytest.mark.parametrize(
    "body,field",
    [
        ({"name": "Holiday", "colour": "red"}, "colour"),
        ({"name": ""}, "name"),
        ({"name": "business TRIP"}, "name"),  # the service's rule: unique name, any case
        ({"name": "X", "review_cadence": "weeks"}, "review_every_weeks"),
        ({"name": "X", "owner": "carol@nordic-air.example"}, "owner"),  # staff cannot own
        ({"name": "X", "owner": "mallory@mallory-mart.example"}, "owner"),
        ({"name": ["a"]}, "name"),
        ({"name": "X", "review_every_weeks": "many"}, "review_every_weeks"),
        ([1, 2], "non_field_errors"),
        ("null", "non_field_errors"),
    ],
)
def test_bad_journey_gets_400_with_field_errors_and_changes_nothing(
    body, field, token_client, bob, nordic, journey, mallory
):
    response = send(token_client(bob, nordic), "post", f"{BASE}/journeys/", body)
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert response.json()["detail"]
    assert Journey.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    ["{bad json", "\x00", '{"name": "a"', "[" * 5000, '{"\\ud800": 1}', '{"name": "\\udfff"}'],
)
def test_malformed_json_is_400(body, token_client, bob, nordic, journey):
    response = send(token_client(bob, nordic), "post", f"{BASE}/journeys/", body)
    assert response.status_code == 400
    assert set(response.json()) == {"errors", "detail"}


def test_huge_body_is_413(token_client, bob, nordic, journey):
    body = json.dumps({"name": "x" * (10 * 1024 * 1024)})
    response = send(token_client(bob, nordic), "post", f"{BASE}/journeys/", body)
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    assert Journey.objects.count() == 1


def test_staff_reads_but_cannot_write(client_for, carol, journey):
    client = client_for(carol)
    assert client.get(f"{BASE}/journeys/").status_code == 200
    response = send(client, "post", f"{BASE}/journeys/", {"name": "Mine"})
    assert response.status_code == 403
    assert not Journey.objects.filter(name="Mine").exists()


def test_read_only_token_cannot_write(token_client, alice, nordic, journey):
    client = token_client(alice, nordic, read_only=True)
    assert client.get(f"{BASE}/journeys/").status_code == 200
    response = send(client, "post", f"{BASE}/journeys/", {"name": "Mine"})
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_revoked_token_is_401(token_client, alice, nordic, journey):
    client = token_client(alice, nordic)
    token = services.api_token_authenticate(client.raw_token)
    services.api_token_revoke(actor=alice, token=token)
    response = client.get(f"{BASE}/journeys/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_of_another_org_of_the_same_person_is_403(token_client, alice, nordic, journey):
    second = OrganisationFactory(name="Alice Side", slug="alice-side")
    second.memberships.create(user=alice, role="owner")
    client = token_client(alice, second)
    response = client.get(f"{BASE}/journeys/")
    assert response.status_code == 403
    assert "Business trip" not in response.content.decode()


def test_mallory_gets_404_for_nordic_and_her_own_url_hides_nordic_ids(
    token_client, mallory, other_org, journey, touchpoint, mallory_journey
):
    client = token_client(mallory, other_org)
    assert client.get(f"{BASE}/journeys/").status_code == 404
    own = "/api/v1/orgs/mallory-mart"
    assert client.get(f"{own}/journeys/{journey.pk}/").status_code == 404
    assert client.get(f"{own}/touchpoints/{touchpoint.pk}/").status_code == 404
    listed = client.get(f"{own}/touchpoints/").json()["results"]
    assert [t["name"] for t in listed] == ["Mallory till"]


def test_stage_crud_and_move(token_client, bob, nordic, journey):
    client = token_client(bob, nordic)
    url = f"{BASE}/journeys/{journey.pk}/stages/"
    created = send(client, "post", url, {"name": "Flight"})
    assert created.status_code == 201 and created.json()["position"] == 3
    stage_id = created.json()["id"]
    moved = send(client, "post", f"{url}{stage_id}/move/", {"direction": "up"})
    assert [s["name"] for s in moved.json()] == ["Booking", "Flight", "Airport"]
    renamed = send(client, "patch", f"{url}{stage_id}/", {"name": "In the air"})
    assert renamed.json()["name"] == "In the air"
    assert send(client, "patch", f"{url}{stage_id}/", {"name": " "}).status_code == 400
    assert client.delete(f"{url}{stage_id}/").status_code == 204


def test_deleting_a_stage_with_touchpoints_needs_a_stage_of_the_same_journey(
    token_client, bob, nordic, journey, mallory_journey
):
    client = token_client(bob, nordic)
    airport = journey.stages.get(name="Airport")
    other = StageFactory(
        journey=journey.__class__.objects.create(organisation=nordic, name="Other"),
        name="Elsewhere",
        position=1,
    )
    url = f"{BASE}/journeys/{journey.pk}/stages/{airport.pk}/"
    assert "move_to" in client.delete(url).json()["errors"]
    assert client.delete(f"{url}?move_to={other.pk}").status_code == 400
    foreign = mallory_journey.stages.get()
    assert client.delete(f"{url}?move_to={foreign.pk}").status_code == 400
    assert client.delete(f"{url}?move_to=not-a-uuid").status_code == 400
    assert Stage.objects.filter(pk=airport.pk).exists()
    booking = journey.stages.get(name="Booking")
    assert client.delete(f"{url}?move_to={booking.pk}").status_code == 204
    assert booking.touchpoints.count() == 3


def test_touchpoint_create_rejects_a_stage_of_another_journey(token_client, bob, nordic, journey):
    client = token_client(bob, nordic)
    other = Journey.objects.create(organisation=nordic, name="Other")
    stage = StageFactory(journey=other, name="Elsewhere", position=1)
    body = {"name": "Kiosk", "journey": str(journey.pk), "stage": str(stage.pk)}
    response = send(client, "post", f"{BASE}/touchpoints/", body)
    assert response.status_code == 400
    assert "stage" in response.json()["errors"]
    assert not Touchpoint.objects.filter(name="Kiosk").exists()
    body["stage"] = str(journey.stages.get(name="Airport").pk)
    response = send(client, "post", f"{BASE}/touchpoints/", {**body, "habits": ["surprise"]})
    assert response.status_code == 201, response.json()
    assert response["ETag"] == '"1"'
    assert response.json()["position"] == 3


def test_touchpoint_etag_and_if_match(token_client, bob, nordic, touchpoint):
    client = token_client(bob, nordic)
    url = f"{BASE}/touchpoints/{touchpoint.pk}/"
    etag = client.get(url)["ETag"]
    assert etag == f'"{touchpoint.version}"'
    assert send(client, "patch", url, {"name": "Desk"}).status_code == 428
    first = send(client, "patch", url, {"name": "Desk"}, HTTP_IF_MATCH=etag)
    assert first.status_code == 200 and first["ETag"] != etag
    stale = send(client, "patch", url, {"name": "Counter"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    touchpoint.refresh_from_db()
    assert touchpoint.name == "Desk"
    assert touchpoint.version == 2
    # PUT what was read, changed: read-only fields (id, version, journey) are ignored.
    body = client.get(url).json() | {"rating_current": 1}
    put = send(client, "put", url, body, HTTP_IF_MATCH=first["ETag"])
    assert put.status_code == 200, put.json()
    assert send(client, "patch", url, {"name": "X"}, HTTP_IF_MATCH='"abc"').status_code == 412


def test_touchpoint_update_with_bad_values_is_400(token_client, bob, nordic, touchpoint):
    client = token_client(bob, nordic)
    url = f"{BASE}/touchpoints/{touchpoint.pk}/"
    for body in (
        {"rating_current": 7},
        {"contacts_per_day": 10**30},
        {"habits": ["flying"]},
        {"name": "a\x00b"},
        {"stage": "00000000-0000-0000-0000-000000000000"},
        {"secret": 1},
    ):
        response = send(client, "patch", url, body, HTTP_IF_MATCH='"1"')
        assert response.status_code == 400, (body, response.status_code)
    touchpoint.refresh_from_db()
    assert touchpoint.version == 1


def test_touchpoint_move_and_delete(token_client, bob, nordic, journey):
    client = token_client(bob, nordic)
    gate = journey.touchpoints.get(name="Boarding gate")
    response = send(client, "post", f"{BASE}/touchpoints/{gate.pk}/move/", {"direction": "up"})
    assert response.status_code == 200 and response.json()["position"] == 1
    bad = send(client, "post", f"{BASE}/touchpoints/{gate.pk}/move/", {"direction": "left"})
    assert bad.status_code == 400
    assert client.delete(f"{BASE}/touchpoints/{gate.pk}/").status_code == 204


def test_filters_ordering_and_cursor_pages(token_client, bob, nordic, journey):
    client = token_client(bob, nordic)
    airport = journey.stages.get(name="Airport")
    names = client.get(f"{BASE}/touchpoints/?stage={airport.pk}&ordering=name").json()
    assert [t["name"] for t in names["results"]] == ["Boarding gate", "Check-in desk"]
    first = client.get(f"{BASE}/touchpoints/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert client.get(f"{BASE}/touchpoints/?stage=zzz").status_code == 400
    assert client.get(f"{BASE}/touchpoints/?cursor=garbage").status_code == 404


def test_throttled_per_token_with_retry_after(token_client, bob, nordic, journey, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    client = token_client(bob, nordic)
    for _ in range(3):
        assert client.get(f"{BASE}/journeys/").status_code == 200
    response = client.get(f"{BASE}/journeys/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert set(response.json()) == {"errors", "detail"}
    # Another token has its own budget.
    assert token_client(bob, nordic).get(f"{BASE}/journeys/").status_code == 200


def test_anonymous_is_401(client, journey):
    response = client.get(f"{BASE}/journeys/")
    assert response.status_code == 401
    assert response.json() == {
        "errors": {},
        "detail": "Authentication credentials were not provided.",
    }


def test_touchpoint_list_queries_do_not_grow_with_the_page_size(token_client, bob, nordic, journey):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import TouchpointFactory

    stage = journey.stages.first()
    for i in range(110):
        TouchpointFactory(stage=stage, position=10 + i, owner=bob if i % 2 else None)
    client = token_client(bob, nordic)
    client.get(f"{BASE}/touchpoints/")  # the token's first use is noted once
    counts = []
    for size in (10, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/touchpoints/?page_size={size}")
        assert len(response.json()["results"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_a_url_that_matches_nothing_under_api_is_a_json_404(token_client, bob, nordic, client):
    api = token_client(bob, nordic)
    for url in ("/api/v1/orgs/nordic-air/ideas/NOT-A-UUID/", "/api/v1/nothing/"):
        response = api.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"errors": {}, "detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
