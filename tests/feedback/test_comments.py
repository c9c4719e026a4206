"""Customers' comments: the feed (newest first, filters), made into an idea ("from a
customer") or an action in one step, marked read; their text deleted after the retention
period while the counts stay."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import FeedbackDay, FeedbackResponse
from feedback.services import feedback_open, forget_comments, response_record
from ideas.models import Idea
from reviews.models import Action
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory

FEED = "/o/nordic-air/feedback/comments/"


@pytest.fixture
def world(nordic, bob, carol):
    journey = JourneyFactory(organisation=nordic, name="Business trip")
    stage = StageFactory(journey=journey)
    checkin = TouchpointFactory(stage=stage, name="Check-in desk", owner=carol)
    gate = TouchpointFactory(stage=stage, name="Boarding gate")
    points = {
        tp.name: feedback_open(actor=bob, touchpoint=tp, reasons=["Quick"])
        for tp in (checkin, gate)
    }
    said = {}
    for minutes, (name, face, reason, text) in enumerate(
        [
            ("Check-in desk", -2, "Quick", "Forty minutes in the queue."),
            ("Check-in desk", 2, "", "The agent knew my name!"),
            ("Boarding gate", -1, "", "Nobody said why we waited."),
            ("Boarding gate", 1, "", ""),  # no comment: not in the feed
        ]
    ):
        said[text], _new = response_record(
            point=points[name],
            submission_id=uuid.uuid4(),
            face=face,
            reason=reason,
            comment=text,
            respondent=f"r{minutes}",
            now=timezone.now() - timedelta(minutes=10 * (4 - minutes)),
        )
    return {"journey": journey, "checkin": checkin, "gate": gate, "said": said}


def texts(page):
    return [a.comment for a in page.context["page"]]


def test_the_feed_is_newest_first_and_filters(client_for, carol, world):
    client = client_for(carol)  # staff read the feed too
    assert texts(client.get(FEED)) == [
        "Nobody said why we waited.",
        "The agent knew my name!",
        "Forty minutes in the queue.",
    ]
    assert texts(client.get(FEED, {"touchpoint": world["checkin"].pk})) == [
        "The agent knew my name!",
        "Forty minutes in the queue.",
    ]
    assert texts(client.get(FEED, {"face": "-2"})) == ["Forty minutes in the queue."]
    assert texts(client.get(FEED, {"reason": "Quick"})) == ["Forty minutes in the queue."]
    assert len(texts(client.get(FEED, {"journey": world["journey"].pk}))) == 3
    page = client.get(FEED)
    assert "Make an idea" not in page.content.decode()  # staff: no buttons


@pytest.mark.parametrize(
    "query", [{"face": "7"}, {"touchpoint": "not-a-uuid"}, {"journey": str(uuid.uuid4())}]
)
def test_a_bad_filter_is_said_and_shows_everything(client_for, bob, world, query):
    page = client_for(bob).get(FEED, query)
    assert page.status_code == 200 and "could not be used" in page.content.decode()
    assert len(texts(page)) == 3


def test_a_comment_becomes_an_idea_from_a_customer_once(client_for, bob, world):
    answer = world["said"]["Forty minutes in the queue."]
    client = client_for(bob)
    made = client.post(f"{FEED}{answer.pk}/idea/")
    idea = Idea.objects.get()
    assert made.status_code == 302 and str(idea.pk) in made["Location"]
    assert idea.from_customer and idea.author is None
    assert idea.touchpoint == world["checkin"] and idea.today == "Forty minutes in the queue."
    client.post(f"{FEED}{answer.pk}/idea/")
    assert Idea.objects.count() == 1  # the same idea again
    answer.refresh_from_db()
    assert answer.idea == idea and answer.comment_read_at is not None
    assert f"Idea #{idea.number}" in client.get(FEED).content.decode()


def test_a_comment_becomes_an_action_for_the_touchpoint_owner_once(client_for, bob, carol, world):
    answer = world["said"]["Forty minutes in the queue."]
    client = client_for(bob)
    made = client.post(f"{FEED}{answer.pk}/action/")
    action = Action.objects.get()
    assert made.status_code == 302 and str(action.pk) in made["Location"]
    assert action.owner == carol and action.touchpoint == world["checkin"]
    assert action.journey == world["journey"] and action.from_comment == answer
    assert "Forty minutes in the queue." in action.title
    assert action.due_on > timezone.localdate()
    client.post(f"{FEED}{answer.pk}/action/")
    assert Action.objects.count() == 1


def test_mark_read_and_the_unread_filter(client_for, bob, world):
    answer = world["said"]["The agent knew my name!"]
    client = client_for(bob)
    assert client.post(f"{FEED}{answer.pk}/read/", {"back": "unread=on"})["Location"].endswith(
        "?unread=on"
    )
    assert "The agent knew my name!" not in texts(client.get(FEED, {"unread": "on"}))


def test_staff_and_other_organisations_cannot_act(client_for, carol, mallory, world):
    answer = world["said"]["Forty minutes in the queue."]
    assert client_for(carol).post(f"{FEED}{answer.pk}/idea/").status_code == 403
    assert (
        client_for(mallory).post(f"/o/mallory-mart/feedback/comments/{answer.pk}/idea/").status_code
        == 404
    )
    assert not Idea.objects.exists()


def test_comments_are_forgotten_after_the_retention_period_and_counts_stay(world, settings):
    settings.FEEDBACK_COMMENT_DAYS = 365
    before = list(FeedbackDay.objects.values_list("depresses", "disappoints", "pleases", "wows"))
    assert forget_comments(now=timezone.now() + timedelta(days=364)) == 0
    assert forget_comments(now=timezone.now() + timedelta(days=366)) == 3
    assert not FeedbackResponse.objects.exclude(comment="").exists()
    assert FeedbackResponse.objects.count() == 4
    after = list(FeedbackDay.objects.values_list("depresses", "disappoints", "pleases", "wows"))
    assert after == before
