"""Quick edit on the board card: the current and the target rating, with the version check."""

import pytest

from touchpoints import services
from touchpoints.models import TouchpointChange


def url(tp):
    return f"/o/nordic-air/touchpoints/{tp.pk}/quick-edit/"


def board(journey):
    return f"/o/nordic-air/journeys/{journey.pk}/"


def test_quick_edit_saves_both_ratings_and_goes_back_to_the_card(
    client_for, bob, journey, touchpoint
):
    response = client_for(bob).post(
        url(touchpoint), {"rating_current": "1", "rating_target": "2", "version": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{board(journey)}#tp-{touchpoint.pk}"
    touchpoint.refresh_from_db()
    assert (touchpoint.rating_current, touchpoint.rating_target) == (1, 2)
    assert touchpoint.version == 2
    change = TouchpointChange.objects.get(touchpoint=touchpoint, field="rating_current")
    assert (change.actor, change.old_value, change.new_value) == (bob, "0", "1")


def test_the_card_has_the_quick_edit_for_editors_only(client_for, bob, carol, journey, touchpoint):
    page = client_for(bob).get(board(journey)).content.decode()
    assert f'action="{url(touchpoint)}"' in page
    assert f'id="quick-now-{touchpoint.pk}"' in page
    assert f'href="/o/nordic-air/touchpoints/{touchpoint.pk}/edit/"' in page  # the full form
    staff = client_for(carol).get(board(journey)).content.decode()
    assert "quick-edit" not in staff


def test_a_conflict_is_409_with_who_when_and_both_values(
    client_for, alice, bob, journey, touchpoint
):
    client_for(alice).post(
        url(touchpoint), {"rating_current": "-1", "rating_target": "2", "version": "1"}
    )
    response = client_for(bob).post(
        url(touchpoint), {"rating_current": "1", "rating_target": "2", "version": "1"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "someone else saved this touchpoint" in page
    assert "Saved by Alice Andersson at" in page
    assert '<td class="conflict__yours">Pleases</td>' in page
    assert '<td class="conflict__theirs">Disappoints</td>' in page
    assert "The ratings of “Check-in desk” were not saved" in page  # at the top, without JS
    touchpoint.refresh_from_db()
    assert (touchpoint.rating_current, touchpoint.version) == (-1, 2)

    # The card keeps bob's choice with the version he has now seen: saving again is deliberate.
    card = response.context["board"].touchpoints[1]
    assert card.pk == touchpoint.pk
    assert (card.quick["version"], card.quick["rating_current"]) == (2, 1)
    again = client_for(bob).post(
        url(touchpoint), {"rating_current": "1", "rating_target": "2", "version": "2"}
    )
    assert again.status_code == 302
    touchpoint.refresh_from_db()
    assert (touchpoint.rating_current, touchpoint.version) == (1, 3)


def test_a_conflict_through_htmx_is_the_board_to_swap_in(client_for, alice, bob, touchpoint):
    services.touchpoint_update(actor=alice, touchpoint=touchpoint, version=1, rating_target=1)
    response = client_for(bob).post(
        url(touchpoint),
        {"rating_current": "0", "rating_target": "2", "version": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200  # htmx swaps only a 2xx answer in
    page = response.content.decode()
    assert f'id="quick-problem-{touchpoint.pk}"' in page
    assert "Saved by Alice Andersson at" in page
    assert '<td class="conflict__theirs">Pleases</td>' in page
    assert "were not saved: see its card" not in page


def test_a_stale_version_with_the_same_ratings_is_no_conflict(client_for, alice, bob, touchpoint):
    services.touchpoint_update(actor=alice, touchpoint=touchpoint, version=1, name="Desk")
    response = client_for(bob).post(
        url(touchpoint), {"rating_current": "0", "rating_target": "2", "version": "1"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "data, message",
    [
        ({"rating_current": "7", "rating_target": "2", "version": "1"}, "from −2 (Depresses)"),
        ({"rating_current": "wow", "rating_target": "2", "version": "1"}, "from −2 (Depresses)"),
        ({"rating_current": "1", "version": "1"}, "Choose a rating."),
        ({"rating_current": "1", "rating_target": "2"}, "reload the board"),
        ({"rating_current": "1", "rating_target": "2", "version": "abc"}, "reload the board"),
        ({"rating_current": "1", "rating_target": "2", "version": "-4"}, "reload the board"),
        ({}, "Choose a rating."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(client_for, bob, touchpoint, data, message):
    response = client_for(bob).post(url(touchpoint), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'id="quick-problem-{touchpoint.pk}"' in page
    touchpoint.refresh_from_db()
    assert (touchpoint.rating_current, touchpoint.rating_target, touchpoint.version) == (0, 2, 1)


def test_unreadable_bytes_are_refused(client_for, bob, touchpoint):
    body = b"rating_current=1&rating_target=2&version=\xff\xfe"
    response = client_for(bob).post(
        url(touchpoint), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    touchpoint.refresh_from_db()
    assert touchpoint.version == 1


def test_staff_cannot_quick_edit(client_for, carol, touchpoint):
    response = client_for(carol).post(
        url(touchpoint), {"rating_current": "2", "rating_target": "2", "version": "1"}
    )
    assert response.status_code == 403
    touchpoint.refresh_from_db()
    assert touchpoint.rating_current == 0


def test_another_orgs_touchpoint_is_404(client_for, mallory, touchpoint):
    for slug in ("nordic-air", "mallory-mart"):
        response = client_for(mallory).post(
            f"/o/{slug}/touchpoints/{touchpoint.pk}/quick-edit/",
            {"rating_current": "2", "rating_target": "2", "version": "1"},
        )
        assert response.status_code == 404
    touchpoint.refresh_from_db()
    assert touchpoint.rating_current == 0


def test_get_is_not_allowed(client_for, bob, touchpoint):
    assert client_for(bob).get(url(touchpoint)).status_code == 405
