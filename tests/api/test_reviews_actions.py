"""The v1 API of reviews (read) and actions (read, create, change, close), via the services."""

import datetime
import json
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews import services as review_services
from reviews.models import Action, ActionStatus
from tests.factories import ActionFactory, JourneyFactory, ReviewFactory

BASE = "/api/v1/orgs/nordic-air"
TODAY = datetime.date(2026, 5, 12)


def send(client, method, url, data=None, **extra):
    body = data if isinstance(data, str) else json.dumps(data)
    return getattr(client, method)(url, body, content_type="application/json", **extra)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 5, 12, 10, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def review(journey, bob, carol):
    review = review_services.review_start(
        actor=bob, journey=journey, held_on=TODAY, attendees=[bob, carol], guests="Anna"
    )
    row = review.ratings.get(touchpoint_name="Check-in desk")
    review_services.review_rating_save(actor=bob, rating_row=row, rating=1, note="Faster")
    return review


def action_body(journey, **extra):
    return {
        "journey": str(journey.pk),
        "title": "Train the desk team",
        "owner": "carol@nordic-air.example",
        "due_on": "2026-06-01",
        **extra,
    }


# --- reviews -------------------------------------------------------------------------------


def test_review_list_and_detail(client_for, carol, bob, review, journey):
    agreed = review_services.action_create(
        actor=bob,
        review=review,
        title="Call back",
        owner=carol,
        due_on=datetime.date(2026, 6, 1),
    )
    client = client_for(carol)
    listed = client.get(f"{BASE}/reviews/")
    assert listed.status_code == 200
    [item] = listed.json()["results"]
    assert item["id"] == str(review.pk) and item["status"] == "in_progress"
    assert item["attendees"] == ["bob@nordic-air.example", "carol@nordic-air.example"]
    assert "ratings" not in item
    detail = client.get(f"{BASE}/reviews/{review.pk}/").json()
    assert detail["journey"] == str(journey.pk) and detail["held_on"] == "2026-05-12"
    assert detail["actions"] == [str(agreed.pk)]
    assert [r["touchpoint_name"] for r in detail["ratings"]] == [
        "Phone booking",
        "Check-in desk",
        "Boarding gate",
    ]
    desk = detail["ratings"][1]
    assert (desk["rating"], desk["note"], desk["previous_rating"]) == (1, "Faster", 0)
    assert desk["touchpoint"] == str(journey.touchpoints.get(name="Check-in desk").pk)
    assert detail["ratings"][0]["rating"] is None


def test_reviews_are_read_only(client_for, bob, review):
    client = client_for(bob)
    assert send(client, "post", f"{BASE}/reviews/", {}).status_code == 405
    assert send(client, "patch", f"{BASE}/reviews/{review.pk}/", {}).status_code == 405
    assert client.delete(f"{BASE}/reviews/{review.pk}/").status_code == 405


def test_review_filters_and_ordering(client_for, carol, nordic, journey):
    other = JourneyFactory(organisation=nordic, name="Holiday")
    ReviewFactory(journey=journey, held_on=datetime.date(2026, 1, 10), status="completed")
    ReviewFactory(journey=journey, held_on=datetime.date(2026, 3, 10), status="completed")
    ReviewFactory(journey=other, held_on=datetime.date(2026, 2, 10))
    client = client_for(carol)

    def dates(query):
        response = client.get(f"{BASE}/reviews/?{query}")
        assert response.status_code == 200, response.json()
        return [r["held_on"][5:] for r in response.json()["results"]]

    assert dates("") == ["03-10", "02-10", "01-10"]
    assert dates("ordering=held_on") == ["01-10", "02-10", "03-10"]
    assert dates("ordering=-started_at")
    assert dates(f"journey={journey.pk}") == ["03-10", "01-10"]
    assert dates("status=in_progress") == ["02-10"]
    assert dates("held_after=2026-02-10&held_before=2026-03-10") == ["02-10"]
    first = client.get(f"{BASE}/reviews/?page_size=2").json()
    assert len(first["results"]) == 2
    assert len(client.get(first["next"]).json()["results"]) == 1
    for bad in ("status=done", "journey=x", "held_after=last-week"):
        response = client.get(f"{BASE}/reviews/?{bad}")
        assert response.status_code == 400 and bad.split("=")[0] in response.json()["errors"]


# --- actions -------------------------------------------------------------------------------


def test_manager_creates_an_action_staff_cannot(client_for, bob, carol, journey):
    tp = journey.touchpoints.get(name="Check-in desk")
    refused = send(client_for(carol), "post", f"{BASE}/actions/", action_body(journey))
    assert refused.status_code == 403
    response = send(
        client_for(bob), "post", f"{BASE}/actions/", action_body(journey, touchpoint=str(tp.pk))
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    action = Action.objects.get(pk=body["id"])
    assert action.owner == carol and action.created_by == bob and action.touchpoint == tp
    assert action.next_reminder_at is not None  # the service scheduled its reminder
    assert body["status"] == "open" and body["is_overdue"] is False
    assert body["review"] is None and body["created_by"] == "bob@nordic-air.example"
    assert client_for(carol).get(f"{BASE}/actions/{action.pk}/").json()["title"] == body["title"]


def test_action_agreed_in_an_open_review_takes_its_journey(client_for, bob, review, journey):
    body = action_body(journey)
    del body["journey"]
    response = send(client_for(bob), "post", f"{BASE}/actions/", {**body, "review": str(review.pk)})
    assert response.status_code == 201, response.json()
    assert response.json()["journey"] == str(journey.pk)
    assert response.json()["review"] == str(review.pk)


@pytest.mark.parametrize(
    "change,field",
    [
        ({"title": " "}, "title"),
        ({"owner": "nobody@example.com"}, "owner"),
        ({"owner": "mallory@mallory-mart.example"}, "owner"),
        ({"owner": None}, "owner"),
        ({"due_on": "2026-05-01"}, "due_on"),  # in the past: the service's rule
        ({"due_on": "soon"}, "due_on"),
        ({"journey": None}, "journey"),
        ({"journey": str(uuid.uuid4())}, "journey"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_action_is_400_and_changes_nothing(
    change, field, client_for, bob, carol, journey, mallory
):
    response = send(client_for(bob), "post", f"{BASE}/actions/", {**action_body(journey), **change})
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Action.objects.exists()


def test_references_to_another_org_are_field_errors(
    client_for, bob, carol, journey, mallory_journey, mallory
):
    foreign_tp = mallory_journey.touchpoints.get()
    foreign_review = ReviewFactory(journey=mallory_journey)
    client = client_for(bob)
    for change, field in (
        ({"touchpoint": str(foreign_tp.pk)}, "touchpoint"),
        ({"journey": str(mallory_journey.pk)}, "journey"),
        ({"review": str(foreign_review.pk)}, "review"),
    ):
        response = send(client, "post", f"{BASE}/actions/", {**action_body(journey), **change})
        assert response.status_code == 400
        assert field in response.json()["errors"]
        assert "Mallory" not in response.content.decode()
    assert not Action.objects.exists()
    action = ActionFactory(journey=journey, owner=bob)
    patched = send(
        client, "patch", f"{BASE}/actions/{action.pk}/", {"touchpoint": str(foreign_tp.pk)}
    )
    assert patched.status_code == 400 and "touchpoint" in patched.json()["errors"]
    action.refresh_from_db()
    assert action.touchpoint is None


def test_touchpoint_of_another_journey_and_review_of_another_journey(
    client_for, bob, nordic, journey, review
):
    other = JourneyFactory(organisation=nordic, name="Holiday")
    tp = journey.touchpoints.first()
    client = client_for(bob)
    wrong_tp = send(client, "post", f"{BASE}/actions/", action_body(other, touchpoint=str(tp.pk)))
    assert wrong_tp.status_code == 400 and "touchpoint" in wrong_tp.json()["errors"]
    wrong_review = send(
        client, "post", f"{BASE}/actions/", action_body(other, review=str(review.pk))
    )
    assert wrong_review.status_code == 400 and "review" in wrong_review.json()["errors"]
    assert not Action.objects.exists()


def test_update_put_and_patch(client_for, bob, carol, alice, journey):
    action = ActionFactory(journey=journey, owner=carol, touchpoint=journey.touchpoints.first())
    url = f"{BASE}/actions/{action.pk}/"
    assert send(client_for(carol), "patch", url, {"title": "Mine"}).status_code == 403
    patched = send(
        client_for(bob), "patch", url, {"title": "Retrain", "owner": "alice@nordic-air.example"}
    )
    assert patched.status_code == 200, patched.json()
    action.refresh_from_db()
    assert (action.title, action.owner, action.touchpoint_id) == (
        "Retrain",
        alice,
        journey.touchpoints.first().pk,
    )
    # A PUT of what a GET returned, changed; the touchpoint left out is cleared.
    body = client_for(bob).get(url).json()
    body.pop("touchpoint")
    put = send(client_for(bob), "put", url, {**body, "due_on": "2026-07-01"})
    assert put.status_code == 200, put.json()
    action.refresh_from_db()
    assert action.due_on == datetime.date(2026, 7, 1) and action.touchpoint is None
    assert send(client_for(bob), "put", url, {"title": "No date"}).status_code == 400
    moved = send(client_for(bob), "patch", url, {"journey": str(uuid.uuid4())})
    assert moved.status_code == 200  # read-only: shown, not changed
    action.refresh_from_db()
    assert action.journey == journey


def test_close_by_manager_or_its_owner(client_for, bob, carol, alice, journey):
    mine = ActionFactory(journey=journey, owner=carol)
    theirs = ActionFactory(journey=journey, owner=alice)
    client = client_for(carol)
    assert (
        send(client, "post", f"{BASE}/actions/{mine.pk}/close/", {"status": "dropped"}).status_code
        == 403
    )
    assert (
        send(client, "post", f"{BASE}/actions/{theirs.pk}/close/", {"status": "done"}).status_code
        == 403
    )
    done = send(client, "post", f"{BASE}/actions/{mine.pk}/close/", {"status": "done"})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done" and done.json()["closed_at"]
    again = send(client, "post", f"{BASE}/actions/{mine.pk}/close/", {"status": "done"})
    assert again.status_code == 400
    bad = send(client_for(bob), "post", f"{BASE}/actions/{theirs.pk}/close/", {"status": "open"})
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    dropped = send(
        client_for(bob), "post", f"{BASE}/actions/{theirs.pk}/close/", {"status": "dropped"}
    )
    assert dropped.status_code == 200
    assert Action.objects.get(pk=theirs.pk).status == ActionStatus.DROPPED
    closed_edit = send(client_for(bob), "patch", f"{BASE}/actions/{mine.pk}/", {"title": "x"})
    assert closed_edit.status_code == 400


def test_another_orgs_action_and_review_are_404(client_for, bob, mallory, mallory_journey):
    action = ActionFactory(journey=mallory_journey, owner=mallory, title="Mallory plan")
    review = ReviewFactory(journey=mallory_journey)
    client = client_for(bob)
    assert client.get(f"{BASE}/actions/{action.pk}/").status_code == 404
    assert send(client, "patch", f"{BASE}/actions/{action.pk}/", {"title": "x"}).status_code == 404
    assert (
        send(client, "post", f"{BASE}/actions/{action.pk}/close/", {"status": "done"}).status_code
        == 404
    )
    assert client.get(f"{BASE}/reviews/{review.pk}/").status_code == 404
    assert client.get(f"{BASE}/actions/").json()["results"] == []
    assert client.get(f"{BASE}/reviews/").json()["results"] == []
    action.refresh_from_db()
    assert action.title == "Mallory plan" and action.status == "open"


def test_action_filters_ordering_and_pages(client_for, carol, bob, alice, nordic, journey, review):
    other = JourneyFactory(organisation=nordic, name="Holiday")
    tp = journey.touchpoints.get(name="Check-in desk")
    late = ActionFactory(
        journey=journey, owner=carol, title="Late", due_on=TODAY - datetime.timedelta(days=3)
    )
    ActionFactory(
        journey=journey,
        owner=carol,
        title="Late but done",
        status="done",
        due_on=TODAY - datetime.timedelta(days=9),
    )
    ActionFactory(
        journey=journey,
        review=review,
        owner=bob,
        title="In review",
        touchpoint=tp,
        due_on=TODAY + datetime.timedelta(days=5),
    )
    ActionFactory(journey=other, owner=alice, title="Holiday plan", due_on=TODAY)
    client = client_for(carol)

    def titles(query):
        response = client.get(f"{BASE}/actions/?{query}")
        assert response.status_code == 200, response.json()
        return [a["title"] for a in response.json()["results"]]

    assert titles("") == ["Late but done", "Late", "Holiday plan", "In review"]
    assert titles("overdue=true") == ["Late"]
    assert client.get(f"{BASE}/actions/{late.pk}/").json()["is_overdue"] is True
    assert titles("overdue=false") == ["Late but done", "Holiday plan", "In review"]
    assert titles("status=open&ordering=-due_on") == ["In review", "Holiday plan", "Late"]
    assert titles(f"journey={other.pk}") == ["Holiday plan"]
    assert titles(f"review={review.pk}") == ["In review"]
    assert titles(f"touchpoint={tp.pk}") == ["In review"]
    assert titles("owner=CAROL@nordic-air.example") == ["Late but done", "Late"]
    assert titles("owner=nobody@example.com") == []
    assert titles("due_after=2026-05-09&due_before=2026-05-17") == ["Late", "Holiday plan"]
    assert titles("ordering=-created_at")
    first = client.get(f"{BASE}/actions/?page_size=3").json()
    assert len(first["results"]) == 3
    assert len(client.get(first["next"]).json()["results"]) == 1
    for bad in ("overdue=maybe", "status=closed", "review=1", "due_before=tomorrow"):
        response = client.get(f"{BASE}/actions/?{bad}")
        assert response.status_code == 400 and bad.split("=")[0] in response.json()["errors"]


def _list_queries(client, url, size):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{url}?page_size={size}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == size
    return len(ctx.captured_queries)


def test_review_and_action_lists_do_not_grow_with_the_page(
    client_for, carol, bob, alice, nordic, journey
):
    tp = journey.touchpoints.first()
    for n in range(50):
        review = ReviewFactory(
            journey=journey, held_on=TODAY - datetime.timedelta(days=n), status="completed"
        )
        review.attendees.set([bob, carol] if n % 2 else [alice])
        ActionFactory(
            journey=journey,
            review=review,
            owner=[bob, carol, alice][n % 3],
            touchpoint=tp if n % 2 else None,
            created_by=bob,
        )
    client = client_for(carol)
    for url in (f"{BASE}/reviews/", f"{BASE}/actions/"):
        assert _list_queries(client, url, 5) == _list_queries(client, url, 50), url
