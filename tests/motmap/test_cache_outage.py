"""With the cache (Redis) unreachable, nothing that uses it fails: limits are not applied.

Found from outside: with CACHE_URL's Redis down, every idea submission was a 500
(ConnectionRefusedError at cache.get in the idea limit). Here the cache is a real Redis client
pointed at a port where nothing listens, as when Redis is down.
"""

import json
import uuid

import pytest

from api import services as api_services
from ideas.models import Idea
from motmap.models import OutboxEmail

NEW_IDEA = "/o/nordic-air/ideas/new/"


@pytest.fixture
def cache_down(settings, unused_port):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{unused_port}/1",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    from django.core.cache import cache

    with pytest.raises(Exception):  # noqa: B017  (really unreachable: any client error)
        cache.get("probe")
    yield
    from motmap import ratelimit

    ratelimit.reset()


def idea_form(touchpoint):
    return {
        "touchpoint": str(touchpoint.pk),
        "title": "Greet by name",
        "today": "The agent says 'next'.",
        "proposal": "Read the name from the booking.",
        "submission_token": str(uuid.uuid4()),
    }


def test_an_idea_is_taken_while_the_cache_is_down(
    cache_down, client_for, carol, touchpoint, caplog
):
    response = client_for(carol).post(NEW_IDEA, idea_form(touchpoint))

    assert response.status_code == 302
    assert Idea.objects.get().title == "Greet by name"
    assert "the limit is not applied" in caplog.text


def test_many_ideas_are_taken_while_the_cache_is_down(
    cache_down, client_for, carol, touchpoint, settings
):
    settings.IDEAS_PER_HOUR = 2
    client = client_for(carol)
    answers = [client.post(NEW_IDEA, idea_form(touchpoint)).status_code for _ in range(4)]
    assert answers == [302] * 4  # the limit fails open: no idea is lost to the outage
    assert Idea.objects.count() == 4


def test_the_api_answers_while_the_cache_is_down(cache_down, client, carol, touchpoint, caplog):
    _, raw = api_services.api_token_create(
        actor=carol, organisation=touchpoint.organisation, name="script"
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    listed = client.get("/api/v1/orgs/nordic-air/ideas/", **auth)
    created = client.post(
        "/api/v1/orgs/nordic-air/ideas/",
        json.dumps({k: v for k, v in idea_form(touchpoint).items()}),
        content_type="application/json",
        **auth,
    )
    refused = client.get("/api/v1/orgs/nordic-air/ideas/", HTTP_AUTHORIZATION="Bearer mm_nope")

    assert listed.status_code == 200
    assert created.status_code == 201, created.content
    assert refused.status_code == 401
    assert "the limit is not applied meanwhile" in caplog.text


def test_a_password_reset_goes_out_while_the_cache_is_down(
    cache_down, client, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password-reset/", {"email": alice.email})
    assert response.status_code == 302
    assert OutboxEmail.objects.get().to == alice.email


def test_login_and_pages_work_while_the_cache_is_down(cache_down, client, carol, settings):
    from tests.factories import PASSWORD

    settings.AXES_ENABLED = True  # the login pause is counted in the database, not the cache
    response = client.post("/accounts/login/", {"username": carol.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/o/nordic-air/ideas/").status_code == 200


def test_after_a_failure_the_cache_is_left_alone_for_a_few_seconds(
    cache_down, client_for, carol, touchpoint, caplog
):
    """A Redis that hangs would cost every counter its timeout: one failure pauses the asking."""
    client = client_for(carol)
    for _ in range(3):
        assert client.post(NEW_IDEA, idea_form(touchpoint)).status_code == 302
    assert caplog.text.count("The cache could not") == 1
    assert Idea.objects.count() == 3


def test_a_pack_pdf_is_made_while_the_cache_is_down(cache_down, client_for, carol, journey):
    """The PDF cache is an aid: the pack is made, the failure is a warning."""
    url = f"/o/nordic-air/journeys/{journey.pk}/pack.pdf"
    for _ in range(2):
        response = client_for(carol).get(url)
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
