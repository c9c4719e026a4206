"""Every redirect whose target comes from the request stays on this site: a `next=` that names
another host (or a scheme, or a protocol-relative address) is refused and the usual page is
used instead."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, IdeaFactory

FOREIGN = [
    "https://evil.example/",
    "http://evil.example/o/nordic-air/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    " https://evil.example/",
    "https://testserver@evil.example/",
]


def _stays_here(answer):
    assert answer.status_code == 302
    location = answer["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location


@pytest.mark.parametrize("target", FOREIGN)
def test_login_refuses_a_next_on_another_host(client, alice, target):
    page = client.get(reverse("login"), {"next": target}).content.decode()
    assert "evil.example" not in page
    answer = client.post(
        f"{reverse('login')}?next={target}",
        {"username": alice.email, "password": PASSWORD, "next": target},
    )
    _stays_here(answer)
    assert answer["Location"] == reverse("home")


@pytest.mark.parametrize("target", FOREIGN)
def test_logout_refuses_a_next_on_another_host(client_for, alice, target):
    answer = client_for(alice).post(reverse("logout"), {"next": target})
    _stays_here(answer)
    assert answer["Location"] == reverse("login")


@pytest.mark.parametrize("target", FOREIGN)
def test_a_vote_refuses_a_next_on_another_host(client_for, alice, nordic, target):
    idea = IdeaFactory(organisation=nordic)
    answer = client_for(alice).post(
        reverse("idea_vote", args=[nordic.slug, idea.pk]), {"next": target}
    )
    _stays_here(answer)


def test_a_next_on_this_site_is_followed(client, client_for, alice, nordic):
    here = reverse("organisation_home", args=[nordic.slug])
    answer = client.post(
        reverse("login"), {"username": alice.email, "password": PASSWORD, "next": here}
    )
    assert answer["Location"] == here
    idea = IdeaFactory(organisation=nordic)
    board = reverse("idea_list", args=[nordic.slug])
    voted = client_for(alice).post(
        reverse("idea_vote", args=[nordic.slug, idea.pk]), {"next": board}
    )
    assert voted["Location"] == board


def test_every_view_that_reads_next_checks_it():
    """A new redirect to a `next` (or the Referer) must go through Django's check."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    reads = re.compile(r"""(?:POST|GET|headers)\.get\(\s*["'](?:next|Referer)["']""")
    for path in root.glob("*/views.py"):
        text = path.read_text()
        if reads.search(text):
            assert "url_has_allowed_host_and_scheme" in text, f"{path} redirects unchecked"
