"""Every API endpoint x method x persona: the expected status, never another org's data.

The page matrix (tests/test_permission_matrix.py) leaves the `api` namespace to this one: the
API answers tokens as well as sessions, and 401/403/404 JSON instead of a login redirect.
Personas: anonymous; carol (staff), bob (manager), alice (owner) by session; alice's read-only
token; mallory's token (owner of another organisation).
  read    any member (staff and read-only tokens too)  -> 2xx
  write   managers and owners, with a read-write token -> 2xx; staff and read-only: 403
  member  any member, staff too (ideas, votes, comments, closing one's own action, as on
          the pages), with a read-write token          -> 2xx; read-only: 403
  author  carol wrote it (an idea, a comment)          -> carol 2xx; bob, alice 403 (service)
  public  anyone (schema and docs)                     -> 200
  405     not allowed (once past authentication and the organisation's check)
Anonymous get 401 and mallory 404 for everything under /api/v1/orgs/nordic-air/.
A view with a `member` or `author` method lets staff past its role check (the services
decide), so staff get 405, not 403, for a method it does not have.
"""

import datetime
import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api import services
from ideas import services as idea_services
from ideas.models import Idea
from journeys.models import Journey
from reviews import services as review_services
from tests.factories import ActionFactory, StageFactory
from touchpoints.models import Touchpoint

READ, WRITE, PUBLIC, NOT_ALLOWED = "read", "write", "public", 405
MEMBER_WRITE, AUTHOR = "member", "author"
METHODS = ("get", "post", "put", "patch", "delete")
PERSONAS = ["anonymous", "carol", "bob", "alice", "read_only_token", "mallory_token"]

# url name -> {method: level}; a method not listed is 405.
ACCESS = {
    "journey-list": {"get": READ, "post": WRITE},
    "journey-detail": {"get": READ, "put": WRITE, "patch": WRITE, "delete": WRITE},
    "stage-list": {"get": READ, "post": WRITE},
    "stage-detail": {"get": READ, "put": WRITE, "patch": WRITE, "delete": WRITE},
    "stage-move": {"post": WRITE},
    "touchpoint-list": {"get": READ, "post": WRITE},
    "touchpoint-feed": {"post": WRITE},
    "touchpoint-detail": {"get": READ, "put": WRITE, "patch": WRITE, "delete": WRITE},
    "touchpoint-move": {"post": WRITE},
    "idea-list": {"get": READ, "post": MEMBER_WRITE},
    "idea-detail": {"get": READ, "patch": AUTHOR},
    "idea-withdraw": {"post": AUTHOR},
    "idea-vote": {"post": MEMBER_WRITE, "delete": MEMBER_WRITE},
    "idea-status": {"post": WRITE},
    "comment-list": {"get": READ, "post": MEMBER_WRITE},
    "comment-detail": {"get": READ, "patch": AUTHOR, "delete": AUTHOR},
    "review-list": {"get": READ},
    "review-detail": {"get": READ},
    "action-list": {"get": READ, "post": WRITE},
    "action-detail": {"get": READ, "put": WRITE, "patch": WRITE},
    "action-close": {"post": MEMBER_WRITE},  # carol owns the action: she may mark it done
    "schema": {"get": PUBLIC},
    "swagger-ui": {"get": PUBLIC},
    "redoc": {"get": PUBLIC},
}
NORDIC_SECRETS = ["Business trip", "Check-in desk", "Nordic Air", "nordic-air.example"]
MALLORY_SECRETS = ["Mallory secret journey", "Mallory till", "mallory-mart.example"]


def _api_url_names():
    names = set()

    def walk(resolver, inside_api):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, inside_api or entry.namespace == "api")
            elif isinstance(entry, URLPattern) and entry.name and inside_api:
                names.add(entry.name)

    walk(get_resolver(), False)
    return names


def test_every_api_url_is_in_the_matrix():
    assert _api_url_names() == set(ACCESS), "add new API URLs to ACCESS with who may use them"


@pytest.fixture
def api_world(personas, journey, mallory_journey, nordic, other_org, alice, bob, carol, mallory):
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
    _, read_only = services.api_token_create(
        actor=alice, organisation=nordic, name="ro", read_only=True
    )
    _, mallory_raw = services.api_token_create(actor=mallory, organisation=other_org, name="m")
    return {
        "org_slug": nordic.slug,
        "journey": journey,
        "empty_journey": empty_journey,
        "stage": empty_stage,
        "touchpoint": tp,
        "idea": idea,
        "comment": comment,
        "review": review,
        "action": action,
        "tokens": {"read_only_token": read_only, "mallory_token": mallory_raw},
    }


def url_for(name, world, org_slug=None):
    slug = org_slug or world["org_slug"]
    kwargs = {
        "journey-list": {},
        "journey-detail": {"journey_id": world["empty_journey"].pk},
        "stage-list": {"journey_id": world["journey"].pk},
        "stage-detail": {"journey_id": world["journey"].pk, "stage_id": world["stage"].pk},
        "stage-move": {"journey_id": world["journey"].pk, "stage_id": world["stage"].pk},
        "touchpoint-list": {},
        "touchpoint-feed": {},
        "touchpoint-detail": {"touchpoint_id": world["touchpoint"].pk},
        "touchpoint-move": {"touchpoint_id": world["touchpoint"].pk},
        "idea-list": {},
        "idea-detail": {"idea_id": world["idea"].pk},
        "idea-withdraw": {"idea_id": world["idea"].pk},
        "idea-vote": {"idea_id": world["idea"].pk},
        "idea-status": {"idea_id": world["idea"].pk},
        "comment-list": {"idea_id": world["idea"].pk},
        "comment-detail": {"idea_id": world["idea"].pk, "comment_id": world["comment"].pk},
        "review-list": {},
        "review-detail": {"review_id": world["review"].pk},
        "action-list": {},
        "action-detail": {"action_id": world["action"].pk},
        "action-close": {"action_id": world["action"].pk},
    }
    if name not in kwargs:
        return reverse(f"api:{name}")
    return reverse(f"api:{name}", kwargs={"org_slug": slug, **kwargs[name]})


def body_for(name, method, world):
    """A valid body, so that a refused write is refused for who sent it, not for what."""
    if name in ("stage-move", "touchpoint-move"):
        return {"direction": "up"}
    if name == "journey-list":
        return {"name": "New journey"}
    if name == "journey-detail":
        return {"name": "Renamed journey"}
    if name in ("stage-list", "stage-detail"):
        return {"name": "New stage"}
    if name == "touchpoint-feed":
        return {"rows": [{"external_id": "desk-1", "contacts_per_day": 5100}]}
    if name == "touchpoint-list" or name == "touchpoint-detail":
        return {
            "name": "Kiosk",
            "journey": str(world["journey"].pk),
            "stage": str(world["touchpoint"].stage_id),
        }
    if name == "idea-list":
        return {
            "touchpoint": str(world["touchpoint"].pk),
            "title": "Kiosk greeting",
            "today": "Nobody looks up.",
            "proposal": "Look up and smile.",
        }
    if name == "idea-detail":
        return {"title": "Warmer towels"}
    if name == "idea-status":
        return {"status": "under_review"}
    if name in ("comment-list", "comment-detail"):
        return {"body": "A comment"}
    if name in ("action-list", "action-detail"):
        return {
            "journey": str(world["journey"].pk),
            "title": "Train the desk team",
            "owner": "carol@nordic-air.example",
            "due_on": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
        }
    if name == "action-close":
        return {"status": "done"}
    return {}


def call(client, method, url, body, **extra):
    if method == "get":
        return client.get(url, **extra)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **extra)


def client_as(persona, personas, world):
    if persona in world["tokens"]:
        return Client(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][persona]}")
    client = Client()
    if persona != "anonymous":
        client.force_login(personas[persona])
    return client


def member_writable(name):
    """Whether the view lets any member write (its `write_role`): staff pass its role check."""
    return any(level in (MEMBER_WRITE, AUTHOR) for level in ACCESS[name].values())


def expected(level, persona, method, is_org_url, member_view=False):
    if level == PUBLIC:
        return {200}
    if not is_org_url:
        return {405}  # the schema and docs: GET only, for anyone
    if is_org_url and persona == "anonymous":
        return {401}
    if is_org_url and persona == "mallory_token":
        return {404}
    if method != "get" and persona == "read_only_token":
        return {403}  # a read-only token is refused any write, before the method
    if method != "get" and persona == "carol" and not member_view:
        return {403}  # staff are refused a write of managers, before the method
    if level == NOT_ALLOWED:
        return {405}
    if level == READ:
        return {200}
    if level == AUTHOR and persona != "carol":
        return {403}  # the service: only the author
    return {200, 201, 204}


CASES = [
    (name, method, persona) for name in sorted(ACCESS) for method in METHODS for persona in PERSONAS
]


@pytest.mark.parametrize("name,method,persona", CASES)
def test_api_permission_matrix(name, method, persona, api_world, personas):
    url = url_for(name, api_world)
    client = client_as(persona, personas, api_world)
    extra = {}
    if name == "touchpoint-detail":
        extra["HTTP_IF_MATCH"] = f'"{api_world["touchpoint"].version}"'
    response = call(client, method, url, body_for(name, method, api_world), **extra)
    level = ACCESS[name].get(method, NOT_ALLOWED)
    want = expected(level, persona, method, url.startswith("/api/v1/orgs/"), member_writable(name))
    assert response.status_code in want, (
        url,
        method,
        persona,
        response.status_code,
        response.content[:300],
    )
    body = response.content.decode(errors="replace")
    if persona == "mallory_token":
        assert not [s for s in NORDIC_SECRETS if s in body], (url, method)
    else:
        assert not [s for s in MALLORY_SECRETS if s in body], (url, method)
    if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
        assert set(response.json()) == {"errors", "detail"}


ORG_LISTS = (
    "journey-list",
    "touchpoint-list",
    "idea-list",
    "review-list",
    "action-list",
    "touchpoint-feed",
)
ORG_OBJECT_URLS = [
    n for n in sorted(ACCESS) if n not in ("schema", "swagger-ui", "redoc") and n not in ORG_LISTS
]


@pytest.mark.parametrize("name", ORG_OBJECT_URLS)
@pytest.mark.parametrize("method", METHODS)
def test_mallory_with_nordic_ids_under_her_own_org_gets_404(name, method, api_world, personas):
    """Her own slug, her own token, Nordic Air's ids: 404 (or 405), nothing changes."""
    url = url_for(name, api_world, org_slug="mallory-mart")
    client = client_as("mallory_token", personas, api_world)
    response = call(client, method, url, body_for(name, method, api_world), HTTP_IF_MATCH='"1"')
    level = ACCESS[name].get(method, NOT_ALLOWED)
    assert response.status_code == (405 if level == NOT_ALLOWED else 404), (url, method)
    assert not [s for s in NORDIC_SECRETS if s in response.content.decode()]
    api_world["touchpoint"].refresh_from_db()
    assert api_world["touchpoint"].version == 1
    assert Journey.objects.filter(pk=api_world["empty_journey"].pk).exists()
    idea = Idea.objects.get(pk=api_world["idea"].pk)
    assert (idea.title, idea.status, idea.vote_count, idea.comment_count) == (
        "Warm towels",
        "new",
        0,
        1,
    )
    api_world["action"].refresh_from_db()
    assert api_world["action"].status == "open"
