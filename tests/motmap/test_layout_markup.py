"""The markup the phone layout relies on (screen.css, "Layout: phone header, stacked tables,
two columns"): the filter count, the header's two copies of the navigation, stacked tables."""

import re

import pytest

from reviews.models import Action
from tests.factories import IdeaFactory
from webhooks.models import WebhookEndpoint

IDEAS = "/o/nordic-air/ideas/"


def summary(html):
    match = re.search(r'<details class="filter-panel[^"]*"[^>]*>\s*<summary>(.*?)</summary>', html)
    assert match, "no folded filter panel"
    return match.group(1)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "Filter"),
        ("?sort=votes", "Filter"),  # the order is not a filter
        ("?status=open", "Filter (1 active)"),
        ("?status=open&habit=strokes&mine=on", "Filter (3 active)"),
        ("?q=queue&sort=new", "Filter (1 active)"),
    ],
)
def test_the_ideas_filter_says_how_many_filters_are_set(
    client_for, carol, touchpoint, query, expected
):
    IdeaFactory(touchpoint=touchpoint, author=carol)
    html = client_for(carol).get(IDEAS + query).content.decode()
    assert summary(html) == expected
    assert ("filter-panel--active" in html) == (expected != "Filter")


def test_a_touchpoints_link_counts_as_a_filter(client_for, carol, touchpoint):
    html = client_for(carol).get(f"{IDEAS}?touchpoint={touchpoint.pk}&status=open").content
    assert summary(html.decode()) == "Filter (2 active)"


def test_the_header_has_the_navigation_for_wide_screens_and_inside_the_menu(client_for, alice):
    html = client_for(alice).get("/o/nordic-air/").content.decode()
    navs = re.findall(
        r'<nav class="site-nav site-nav--(wide|menu)" aria-label="Organisation">', html
    )
    assert navs == ["wide", "menu"]
    menu = html.split('<details class="menu">', 1)[1].split("</details>", 1)[0]
    assert "site-nav--menu" in menu and "Switch organisation" in menu
    assert re.search(r'<span class="menu__label menu__label--phone">.*Menu</span>', menu)


def test_the_actions_and_members_tables_stack_with_labels(client_for, bob, journey):
    Action.objects.create(
        organisation=journey.organisation,
        journey=journey,
        title="Greet by name",
        owner=bob,
        due_on="2030-01-31",
    )
    html = client_for(bob).get("/o/nordic-air/reviews/").content.decode()
    assert 'class="table table--stack actions-table"' in html
    for label in ("Who", "By when", "Journey"):
        assert f'data-label="{label}"' in html
    members = client_for(bob).get("/o/nordic-air/members/").content.decode()
    assert 'class="table table--stack"' in members and 'data-label="Email"' in members


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "Filter"),
        ("?status=failed", "Filter (1 active)"),
        ("?status=failed&event=ping", "Filter (2 active)"),
    ],
)
def test_the_delivery_log_filter_says_how_many_filters_are_set(client_for, alice, query, expected):
    endpoint = WebhookEndpoint.objects.create(
        organisation=alice.memberships.get().organisation,
        url="https://hooks.example.com/motmap",
        events=["idea.created"],
        created_by=alice,
    )
    html = client_for(alice).get(f"/o/nordic-air/webhooks/{endpoint.pk}/{query}").content.decode()
    assert summary(html) == expected
