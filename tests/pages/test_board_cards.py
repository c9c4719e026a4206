"""The board keeps each rendered card and its curve (pages.cards) and shows a kept one only
while nothing it shows has changed; the CSRF token in a kept card is always this page's."""

import re

import pytest

from ideas import services as idea_services
from pages import cards
from touchpoints import services as touchpoint_services


@pytest.fixture(autouse=True)
def _nothing_kept():
    cards.clear()
    yield
    cards.clear()


def _board(client, journey):
    response = client.get(f"/o/nordic-air/journeys/{journey.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _card(html, touchpoint):
    start = html.index(f'id="tp-{touchpoint.pk}"')
    return html[start : html.index("</li>", start)]


def test_a_saved_touchpoint_gets_a_new_card_and_curve(client_for, bob, journey, touchpoint):
    client = client_for(bob)
    _board(client, journey)
    touchpoint_services.touchpoint_update(
        actor=bob, touchpoint=touchpoint, version=touchpoint.version, name="Self-service kiosk"
    )
    html = _board(client, journey)
    assert "Self-service kiosk" in _card(html, touchpoint)
    assert html.count("Self-service kiosk") >= 3  # the card, the curve's dot and its table


def test_a_new_idea_shows_on_the_kept_card(client_for, carol, journey, touchpoint):
    client = client_for(carol)
    assert "open idea" not in _card(_board(client, journey), touchpoint)
    idea_services.idea_submit(
        actor=carol, touchpoint=touchpoint, title="Kiosk", today="Queue.", proposal="Kiosk."
    )
    assert "1 open idea" in _card(_board(client, journey), touchpoint)


def test_the_owners_new_name_shows_on_the_kept_card(client_for, bob, journey, touchpoint):
    touchpoint.owner = bob
    touchpoint.save(update_fields=["owner"])
    client = client_for(bob)
    assert "Bob Berg" in _card(_board(client, journey), touchpoint)
    bob.full_name = "Robert Berg"
    bob.save(update_fields=["full_name"])
    assert "Robert Berg" in _card(_board(client, journey), touchpoint)


def test_staff_never_get_an_editors_kept_card(client_for, bob, carol, journey, touchpoint):
    assert "Quick edit" in _card(_board(client_for(bob), journey), touchpoint)
    assert "Quick edit" not in _card(_board(client_for(carol), journey), touchpoint)


def test_a_kept_card_carries_each_pages_own_csrf_token(client_for, alice, bob, journey):
    pattern = r'name="csrfmiddlewaretoken" value="([^"]+)"'
    bobs, alices = _board(client_for(bob), journey), _board(client_for(alice), journey)
    assert cards.CSRF_MARK not in bobs + alices
    bob_tokens, alice_tokens = set(re.findall(pattern, bobs)), set(re.findall(pattern, alices))
    assert bob_tokens and alice_tokens and not bob_tokens & alice_tokens


def test_a_quick_edit_from_a_kept_card_is_saved(client_for, bob, journey, touchpoint):
    """The form in a kept card posts with this page's token: CSRF checks are on here."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    _board(client, journey)  # the card is kept
    html = _board(client, journey)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _card(html, touchpoint))
    response = client.post(
        f"/o/nordic-air/touchpoints/{touchpoint.pk}/quick-edit/",
        {
            "csrfmiddlewaretoken": token.group(1),
            "version": touchpoint.version,
            "rating_current": 2,
            "rating_target": 2,
        },
    )
    assert response.status_code == 302
    touchpoint.refresh_from_db()
    assert touchpoint.rating_current == 2
