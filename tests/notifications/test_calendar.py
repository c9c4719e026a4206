"""The private calendar feed: create, reset, turn off; what it holds; who can see it."""

from datetime import date, timedelta
from urllib.parse import quote

import icalendar
import pytest
from django.test import Client
from django.utils import timezone

from journeys.models import Journey
from motmap.models import Membership, Role
from notifications.models import CalendarFeed
from reviews.models import Action, ActionStatus
from tests.factories import JourneyFactory, MembershipFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

SETTINGS = "/o/nordic-air/notifications/"
LINK = "/o/nordic-air/notifications/calendar/"
DUE = date(2031, 5, 20)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://motmap.example"


def action(journey, owner, title="Call the supplier", due_on=DUE, **fields):
    return Action.objects.create(
        organisation=journey.organisation,
        journey=journey,
        title=title,
        owner=owner,
        due_on=due_on,
        **fields,
    )


def create_link(client):
    client.post(LINK, {"action": "create"})
    return CalendarFeed.objects.get(membership__user_id=client.session["_auth_user_id"])


def fetch(token):
    return Client().get(f"/calendar/{token}.ics")


def events(response):
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_staff_creates_a_link_and_sees_the_address(carol, client_for):
    client = client_for(carol)
    assert "Create calendar link" in client.get(SETTINGS).content.decode()

    response = client.post(LINK, {"action": "create"}, follow=True)

    feed = CalendarFeed.objects.get(membership__user=carol)
    assert len(feed.token) >= 40
    html = response.content.decode()
    assert f"https://motmap.example/calendar/{feed.token}.ics" in html
    assert "Reset link" in html and "Turn off" in html
    assert 'for="calendar-url"' in html
    # A second "create" (double click) keeps the address.
    client.post(LINK, {"action": "create"})
    assert CalendarFeed.objects.get().token == feed.token


def test_the_feed_holds_my_reviews_and_open_actions(bob, carol, alice, journey, client_for):
    journey.next_review_on = DUE
    journey.save()
    # carol owns a touchpoint in another journey: its review is hers to prepare too.
    second = JourneyFactory(organisation=journey.organisation, name="Lost luggage")
    second.next_review_on = DUE + timedelta(days=30)
    second.save()
    TouchpointFactory(stage=StageFactory(journey=second), owner=carol)
    archived = JourneyFactory(
        organisation=journey.organisation,
        name="Old route",
        owner=carol,
        next_review_on=DUE,
        archived_at=timezone.now(),
    )
    mine = action(journey, carol, "Print name cards")
    action(journey, carol, "Done already", status=ActionStatus.DONE)
    action(journey, bob, "Bob's own action")
    action(archived, carol, "Due date only", due_on=DUE + timedelta(days=3))

    feed = create_link(client_for(carol))
    response = fetch(feed.token)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    found = events(response)
    assert set(found) == {
        f"journey-review-{second.pk}@motmap",
        f"action-{mine.pk}@motmap",
        f"action-{Action.objects.get(title='Due date only').pk}@motmap",
    }
    review = found[f"journey-review-{second.pk}@motmap"]
    assert str(review["summary"]) == "Review: Lost luggage"
    assert review["dtstart"].dt == DUE + timedelta(days=30)  # an all-day date, not a time
    assert review["dtend"].dt == DUE + timedelta(days=31)
    assert str(review["url"]) == f"https://motmap.example/o/nordic-air/journeys/{second.pk}/"
    assert str(found[f"action-{mine.pk}@motmap"]["summary"]) == "Action: Print name cards"
    assert found[f"action-{mine.pk}@motmap"]["dtstart"].dt == DUE


def test_a_journey_owner_gets_its_review_with_a_stable_uid(bob, journey, client_for):
    journey.next_review_on = DUE
    journey.save()
    feed = create_link(client_for(bob))

    first, second = events(fetch(feed.token)), events(fetch(feed.token))

    assert list(first) == [f"journey-review-{journey.pk}@motmap"] == list(second)
    assert str(first[f"journey-review-{journey.pk}@motmap"]["summary"]) == "Review: Business trip"


def test_fetching_stamps_last_fetched_at(carol, client_for):
    feed = create_link(client_for(carol))
    assert feed.last_fetched_at is None

    fetch(feed.token)

    feed.refresh_from_db()
    assert feed.last_fetched_at is not None


def test_reset_gives_a_new_address_and_the_old_one_is_404(carol, client_for):
    client = client_for(carol)
    old = create_link(client).token

    client.post(LINK, {"action": "reset"})

    new = CalendarFeed.objects.get().token
    assert new != old
    assert fetch(old).status_code == 404
    assert fetch(new).status_code == 200


def test_turn_off_removes_the_feed(carol, client_for):
    client = client_for(carol)
    token = create_link(client).token

    response = client.post(LINK, {"action": "off"}, follow=True)

    assert not CalendarFeed.objects.exists()
    assert fetch(token).status_code == 404
    assert "Create calendar link" in response.content.decode()


@pytest.mark.parametrize("data", [{}, {"action": "explode"}, {"action": "a\x00"}])
def test_an_unknown_action_changes_nothing(data, carol, client_for):
    response = client_for(carol).post(LINK, data, follow=True)
    assert response.status_code == 200
    assert "Choose what to do with the calendar link." in response.content.decode()
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize(
    "token", ["nothing-like-this-exists-here-at-all", "x" * 10_000, "a\x00b", "short", "é" * 40]
)
def test_unknown_or_garbled_tokens_are_404(token, carol, client_for):
    create_link(client_for(carol))
    assert Client().get(f"/calendar/{quote(token, safe='')}.ics").status_code == 404


def test_the_feed_answers_only_get_and_head(carol, client_for):
    feed = create_link(client_for(carol))
    assert Client().post(f"/calendar/{feed.token}.ics").status_code == 405


def test_head_answers_like_get_without_the_body(carol, client_for):
    """Some calendar clients check a feed with HEAD first (it answered 405)."""
    feed = create_link(client_for(carol))
    get = fetch(feed.token)
    head = Client().head(f"/calendar/{feed.token}.ics")
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"] == "text/calendar; charset=utf-8"
    assert int(head["Content-Length"]) == len(get.content)
    assert Client().head("/calendar/no-such-token.ics").status_code == 404


def test_a_feed_shows_only_its_own_organisation(
    carol, mallory, mallory_journey, journey, client_for
):
    """carol also works for Mallory Mart: her Nordic Air feed has nothing of it, and back."""
    MembershipFactory(organisation=mallory_journey.organisation, user=carol, role=Role.STAFF)
    mallory_journey.owner = carol
    mallory_journey.next_review_on = DUE
    mallory_journey.save()
    action(mallory_journey, carol, "Mallory secret action")
    journey.owner = carol
    journey.next_review_on = DUE
    journey.save()
    nordic_feed = create_link(client_for(carol))

    body = fetch(nordic_feed.token).content.decode()
    assert "Business trip" in body
    assert "Mallory" not in body

    client = client_for(carol)
    client.post("/o/mallory-mart/notifications/calendar/", {"action": "create"})
    other = CalendarFeed.objects.get(membership__organisation__slug="mallory-mart")
    body = fetch(other.token).content.decode()
    assert "Mallory secret journey" in body and "Mallory secret action" in body
    assert "Business trip" not in body and "Nordic" not in body


def test_mallory_cannot_make_a_link_in_nordic_air(mallory, client_for):
    assert client_for(mallory).post(LINK, {"action": "create"}).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_texts_are_escaped(carol, journey, client_for):
    nasty = 'Gate 5, "quiet"\nsecond line; <script>alert(1)</script> 🎉 \\ end'
    action(journey, carol, nasty)
    feed = create_link(client_for(carol))

    response = fetch(feed.token)

    raw = response.content.decode()
    assert "\\, " in raw and "\\n" in raw and "\\;" in raw  # RFC 5545 escapes
    assert "\nsecond line" not in raw  # a newline never starts a new property
    [event] = events(response).values()
    assert str(event["summary"]) == f"Action: {nasty}"


@pytest.mark.parametrize("n", [2, 20])
def test_the_query_count_is_fixed(n, carol, journey, client_for, django_assert_num_queries):
    for i in range(n):
        j = JourneyFactory(organisation=journey.organisation, owner=carol, next_review_on=DUE)
        TouchpointFactory(stage=StageFactory(journey=j), owner=carol)
        action(j, carol, f"Action {i}")
    feed = create_link(client_for(carol))

    with django_assert_num_queries(4):
        response = fetch(feed.token)

    assert len(events(response)) == 2 * n


def test_a_removed_member_feed_stops(carol, client_for):
    feed = create_link(client_for(carol))
    Membership.objects.filter(user=carol).delete()
    assert fetch(feed.token).status_code == 404
    assert not Journey.objects.filter(owner=carol).exists()
