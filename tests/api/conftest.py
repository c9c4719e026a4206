import pytest
from django.test import Client

from api import services
from tests.conftest import built_once, people_and_journeys, session_of


@pytest.fixture
def token_client():
    """token_client(user, org, read_only=False) -> a client sending that person's new token."""

    def make(user, org, read_only=False):
        _, raw = services.api_token_create(
            actor=user, organisation=org, name="test", read_only=read_only
        )
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.raw_token = raw
        return client

    return make


@pytest.fixture(scope="module")
def api_world(django_db_setup, django_db_blocker):
    """What every API endpoint answers about, built once per module (tests/conftest.py
    `built_once`), for the API matrices (test_permission_matrix.py, test_bad_input.py).

    Ids and strings only: the objects' ids, the raw tokens (alice's read-only one, mallory's)
    and a logged-in session of each persona (anonymous: None).
    """
    with built_once(django_db_blocker):
        yield _api_world()


def _api_world():
    import datetime

    from ideas import services as idea_services
    from journeys.models import Journey
    from reviews import services as review_services
    from tests.factories import ActionFactory, StageFactory
    from touchpoints.models import Touchpoint

    nordic, other_org, people, journey, _mallory_journey = people_and_journeys()
    alice, bob, carol, mallory = (people[p] for p in ("alice", "bob", "carol", "mallory"))
    empty_journey = Journey.objects.create(organisation=nordic, name="Empty journey")
    empty_stage = StageFactory(journey=journey, name="Empty stage", position=3)
    tp = journey.touchpoints.get(name="Check-in desk")
    Touchpoint.objects.filter(pk=tp.pk).update(external_id="desk-1")
    gate = journey.touchpoints.get(name="Boarding gate")
    idea, _ = idea_services.idea_submit(
        actor=carol, touchpoint=gate, title="Warm towels", today="Cold.", proposal="Warm."
    )
    comment = idea_services.comment_add(actor=carol, idea=idea, body="Hot ones, please")
    review = review_services.review_start(
        actor=bob, journey=journey, held_on=datetime.date.today(), attendees=[bob, carol]
    )
    action = ActionFactory(journey=journey, review=review, owner=carol, created_by=bob)
    from feedback import services as feedback_services

    feedback_services.feedback_open(actor=bob, touchpoint=tp, reasons=["Quick"])
    _, read_only = services.api_token_create(
        actor=alice, organisation=nordic, name="ro", read_only=True
    )
    _, mallory_raw = services.api_token_create(actor=mallory, organisation=other_org, name="m")
    return {
        "org_slug": nordic.slug,
        "journey_id": str(journey.pk),
        "empty_journey_id": str(empty_journey.pk),
        "stage_id": str(empty_stage.pk),
        "touchpoint_id": str(tp.pk),
        "touchpoint_stage_id": str(tp.stage_id),
        "idea_id": str(idea.pk),
        "comment_id": str(comment.pk),
        "review_id": str(review.pk),
        "action_id": str(action.pk),
        "tokens": {"read_only_token": read_only, "mallory_token": mallory_raw},
        "sessions": {"anonymous": None} | {name: session_of(u) for name, u in people.items()},
    }
