"""The ideas list is filtered in one place (`ideas.selectors.filter_ideas`): the ideas board and
the API answer the same question with the same ideas."""

import re

import pytest

from ideas import services as idea_services
from ideas.models import Idea
from ideas.selectors import filter_ideas

BASE = "/api/v1/orgs/nordic-air/ideas/"


@pytest.fixture
def ideas(carol, bob, journey):
    desk = journey.touchpoints.get(name="Check-in desk")
    gate = journey.touchpoints.get(name="Boarding gate")
    made = {}
    for actor, tp, title, habits, anonymous in [
        (carol, desk, "Greet by name", ["strokes"], False),
        (carol, gate, "Water at the gate", ["anticipate"], True),
        (bob, desk, "Second desk at peaks", ["say_yes"], False),
    ]:
        made[title], _ = idea_services.idea_submit(
            actor=actor,
            touchpoint=tp,
            title=title,
            today="Today it is slow.",
            proposal="Try this.",
            habits=habits,
            anonymous=anonymous,
        )
    return made


def _page_titles(client, query):
    html = client.get(f"/o/nordic-air/ideas/?{query}").content.decode()
    return sorted(re.findall(r'class="idea-card__title"><a [^>]*>#\d+ ([^<]+)</a>', html))


def _api_titles(client, query):
    response = client.get(f"{BASE}?{query}")
    assert response.status_code == 200, response.content
    return sorted(i["title"] for i in response.json()["results"])


@pytest.mark.parametrize(
    "query,expected",
    [
        ("mine=true", ["Greet by name"]),
        ("q=desk", ["Second desk at peaks"]),
        ("habit=anticipate", ["Water at the gate"]),
        ("status=open", ["Greet by name", "Second desk at peaks", "Water at the gate"]),
    ],
)
def test_page_and_api_list_the_same_ideas(query, expected, ideas, carol, client_for):
    client = client_for(carol)
    assert _api_titles(client, query) == expected
    assert _page_titles(client, query.replace("mine=true", "mine=on")) == expected


def test_not_mine_is_every_other_idea_anonymous_ones_too(ideas, carol):
    others = filter_ideas(Idea.objects.all(), carol, {"mine": False})
    assert sorted(i.title for i in others) == ["Second desk at peaks", "Water at the gate"]


def test_empty_values_filter_nothing(ideas, carol):
    given = {"status": "", "journey": None, "q": "", "mine": None, "habit": ""}
    assert filter_ideas(Idea.objects.all(), carol, given).count() == 3
