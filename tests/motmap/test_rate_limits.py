"""The password-reset form and API token authentication have bounded rates of their own
(429 with Retry-After), so neither is a way around the login pause or a way to guess tokens."""

import pytest
import time_machine
from django.test import Client

from api import services as api_services
from motmap.models import OutboxEmail

RESET = "/accounts/password-reset/"
IDEAS = "/api/v1/orgs/nordic-air/ideas/"
HERE, THERE = "203.0.113.10", "198.51.100.20"
HOUR_START = 1_900_000_800  # a clock hour's first second (a multiple of 3600)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PASSWORD_RESETS_PER_HOUR = 3
    settings.API_TOKEN_FAILURES_PER_HOUR = 5


@pytest.fixture
def at_the_hour():
    with time_machine.travel(HOUR_START + 600, tick=False):  # 12:10 of some hour
        yield


def reset(email, address=HERE):
    return Client(REMOTE_ADDR=address).post(RESET, {"email": email})


def test_password_resets_for_one_email_stop_at_the_limit(alice, at_the_hour):
    answers = [reset(alice.email, f"192.0.2.{i}").status_code for i in range(4)]
    assert answers == [302, 302, 302, 429]
    assert OutboxEmail.objects.filter(to=alice.email).count() == 3


def test_password_resets_from_one_address_stop_at_the_limit(alice, bob, carol, at_the_hour):
    emails = [alice.email, bob.email, carol.email, "nobody@nordic-air.example"]
    answers = [reset(email).status_code for email in emails]
    assert answers == [302, 302, 302, 429]
    assert reset("nobody@nordic-air.example", THERE).status_code == 302


def test_the_refusal_says_when_to_try_again_and_the_next_hour_is_free(alice):
    with time_machine.travel(HOUR_START + 600, tick=False):
        for _ in range(3):
            reset(alice.email)
        refused = reset(alice.email)
        assert refused.status_code == 429
        assert refused["Retry-After"] == "3000"  # 50 minutes to the end of the hour
        assert "try again in 50 minutes" in refused.content.decode()
    with time_machine.travel(HOUR_START + 3600 + 1, tick=False):
        assert reset(alice.email).status_code == 302


def test_an_unknown_email_is_refused_the_same_way_as_a_known_one(alice, at_the_hour):
    for email in (alice.email, "nobody@nordic-air.example"):
        answers = [reset(email, f"192.0.2.{i}").status_code for i in range(4)]
        assert answers[-1] == 429


def api(token, address=HERE):
    return Client(REMOTE_ADDR=address).get(IDEAS, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_invalid_tokens_from_one_address_are_refused_with_429_after_the_limit(carol, at_the_hour):
    _, good = api_services.api_token_create(
        actor=carol, organisation=carol.memberships.get().organisation, name="script"
    )
    answers = [api(f"mm_guess{i}").status_code for i in range(5)]
    assert answers == [401] * 5

    refused = api("mm_guess5")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 3000
    assert refused.json()["errors"] == {}
    assert "Too many invalid tokens" in refused.json()["detail"]
    # The right token from there is refused too (the answer tells nothing) ...
    assert api(good).status_code == 429
    # ... but works from another address, and refusals from here count no further.
    assert api(good, THERE).status_code == 200


def test_the_token_limit_lifts_when_the_hour_ends(carol):
    _, good = api_services.api_token_create(
        actor=carol, organisation=carol.memberships.get().organisation, name="script"
    )
    with time_machine.travel(HOUR_START + 600, tick=False):
        for i in range(5):
            api(f"mm_guess{i}")
        assert api(good).status_code == 429
    with time_machine.travel(HOUR_START + 3600 + 5, tick=False):
        assert api(good).status_code == 200


def test_good_tokens_are_not_counted_as_failures(carol, at_the_hour):
    _, good = api_services.api_token_create(
        actor=carol, organisation=carol.memberships.get().organisation, name="script"
    )
    assert [api(good).status_code for _ in range(8)] == [200] * 8
