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

The world (tests/api/conftest.py `api_world`) is built once for the module; every case runs in
a savepoint of it, rolled back after the case. The cases that can only answer 405 are checked
together in one test.
"""

import datetime
import json
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ideas.models import Idea
from journeys.models import Journey
from reviews.models import Action
from tests.conftest import client_with_session
from tests.security_headers import assert_security_headers
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
    # Customers' feedback: every member reads; answers are sent by managers' tokens (kiosks).
    "touchpoint-feedback": {"get": READ},
    "journey-feedback": {"get": READ},
    "feedback-comment-list": {"get": READ},
    "feedback-response-create": {"post": WRITE},
    "feedback-score-import": {"get": READ, "post": WRITE},  # scores from other survey tools
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


def url_for(name, world, org_slug=None):
    slug = org_slug or world["org_slug"]
    kwargs = {
        "journey-list": {},
        "journey-detail": {"journey_id": world["empty_journey_id"]},
        "stage-list": {"journey_id": world["journey_id"]},
        "stage-detail": {"journey_id": world["journey_id"], "stage_id": world["stage_id"]},
        "stage-move": {"journey_id": world["journey_id"], "stage_id": world["stage_id"]},
        "touchpoint-list": {},
        "touchpoint-feed": {},
        "touchpoint-detail": {"touchpoint_id": world["touchpoint_id"]},
        "touchpoint-move": {"touchpoint_id": world["touchpoint_id"]},
        "idea-list": {},
        "idea-detail": {"idea_id": world["idea_id"]},
        "idea-withdraw": {"idea_id": world["idea_id"]},
        "idea-vote": {"idea_id": world["idea_id"]},
        "idea-status": {"idea_id": world["idea_id"]},
        "comment-list": {"idea_id": world["idea_id"]},
        "comment-detail": {"idea_id": world["idea_id"], "comment_id": world["comment_id"]},
        "review-list": {},
        "review-detail": {"review_id": world["review_id"]},
        "action-list": {},
        "action-detail": {"action_id": world["action_id"]},
        "action-close": {"action_id": world["action_id"]},
        "touchpoint-feedback": {"touchpoint_id": world["touchpoint_id"]},
        "feedback-response-create": {"touchpoint_id": world["touchpoint_id"]},
        "journey-feedback": {"journey_id": world["journey_id"]},
        "feedback-comment-list": {},
        "feedback-score-import": {},
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
            "journey": world["journey_id"],
            "stage": world["touchpoint_stage_id"],
        }
    if name == "idea-list":
        return {
            "touchpoint": world["touchpoint_id"],
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
            "journey": world["journey_id"],
            "title": "Train the desk team",
            "owner": "carol@nordic-air.example",
            "due_on": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
        }
    if name == "action-close":
        return {"status": "done"}
    if name == "feedback-response-create":
        return {"submission_id": str(uuid.uuid4()), "face": 1, "reason": "Quick"}
    if name == "feedback-score-import":
        yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
        row = {"external_id": "desk-1", "date": yesterday, "score": 4, "count": 2}
        return {"scale": "csat", "rows": [row], "dry_run": True}
    return {}


def call(client, method, url, body, **extra):
    if method == "get":
        return client.get(url, **extra)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **extra)


def client_as(persona, world):
    if persona in world["tokens"]:
        return Client(HTTP_AUTHORIZATION=f"Bearer {world['tokens'][persona]}")
    return client_with_session(world["sessions"][persona])


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


def wanted(name, method, persona):
    level = ACCESS[name].get(method, NOT_ALLOWED)
    is_org_url = name not in ("schema", "swagger-ui", "redoc")  # under /api/v1/orgs/<slug>/
    return expected(level, persona, method, is_org_url, member_writable(name))


ALL_CASES = [
    (name, method, persona) for name in sorted(ACCESS) for method in METHODS for persona in PERSONAS
]
CASES = [case for case in ALL_CASES if wanted(*case) != {405}]
ONLY_405 = [case for case in ALL_CASES if wanted(*case) == {405}]


@pytest.mark.parametrize("name,method,persona", CASES)
def test_api_permission_matrix(name, method, persona, api_world, db):
    check_answer(name, method, persona, api_world)


def test_what_can_only_answer_405_answers_405(api_world, db):
    """The cases past authentication and the organisation's check, for a method the endpoint
    does not have: 405 before anything else, so one request each suffices."""
    assert ONLY_405
    for name, method, persona in ONLY_405:
        check_answer(name, method, persona, api_world)


def check_answer(name, method, persona, api_world):
    url = url_for(name, api_world)
    client = client_as(persona, api_world)
    extra = {}
    if name == "touchpoint-detail":
        version = Touchpoint.objects.get(pk=api_world["touchpoint_id"]).version
        extra["HTTP_IF_MATCH"] = f'"{version}"'
    response = call(client, method, url, body_for(name, method, api_world), **extra)
    assert url.startswith("/api/v1/orgs/") == (name not in ("schema", "swagger-ui", "redoc"))
    docs_page = name in ("swagger-ui", "redoc")
    assert_security_headers(response, (url, method, persona), inline_styles=docs_page)
    want = wanted(name, method, persona)
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
    "feedback-comment-list",
    "feedback-score-import",  # finds touchpoints by external ID within the token's organisation
)
ORG_OBJECT_URLS = [
    n for n in sorted(ACCESS) if n not in ("schema", "swagger-ui", "redoc") and n not in ORG_LISTS
]


@pytest.mark.parametrize(
    "name,method",
    [(n, m) for n in ORG_OBJECT_URLS for m in METHODS if m in ACCESS[n]],
)
def test_mallory_with_nordic_ids_under_her_own_org_gets_404(name, method, api_world, db):
    """Her own slug, her own token, Nordic Air's ids: 404, nothing changes. (The methods an
    endpoint does not have: 405, in test_mallory_gets_405_for_a_method_not_there.)"""
    response = mallory_under_her_own_slug(name, method, api_world)
    assert response.status_code == 404, (name, method)
    assert_nothing_changed(api_world)


def test_mallory_gets_405_for_a_method_not_there(api_world, db):
    for name in ORG_OBJECT_URLS:
        for method in (m for m in METHODS if m not in ACCESS[name]):
            assert mallory_under_her_own_slug(name, method, api_world).status_code == 405
    assert_nothing_changed(api_world)


def mallory_under_her_own_slug(name, method, api_world):
    url = url_for(name, api_world, org_slug="mallory-mart")
    client = client_as("mallory_token", api_world)
    response = call(client, method, url, body_for(name, method, api_world), HTTP_IF_MATCH='"1"')
    assert not [s for s in NORDIC_SECRETS if s in response.content.decode()], (url, method)
    return response


def assert_nothing_changed(api_world):
    assert Touchpoint.objects.get(pk=api_world["touchpoint_id"]).version == 1
    assert Journey.objects.filter(pk=api_world["empty_journey_id"]).exists()
    idea = Idea.objects.get(pk=api_world["idea_id"])
    assert (idea.title, idea.status, idea.vote_count, idea.comment_count) == (
        "Warm towels",
        "new",
        0,
        1,
    )
    assert Action.objects.get(pk=api_world["action_id"]).status == "open"
