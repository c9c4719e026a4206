"""Finishing touches on the touchpoint pages: the trend as a sparkline, who saved the other
version in an edit conflict."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.touchpoints.test_touchpoints import form_data
from touchpoints import services
from touchpoints.models import Touchpoint, TouchpointChange
from touchpoints.selectors import last_saved

SAVED = datetime.datetime(2026, 12, 1, 20, 46, tzinfo=datetime.UTC)  # 21:46 in Stockholm


# --- the trend as a sparkline ---------------------------------------------------------------


def test_the_touchpoint_page_draws_the_trend_and_keeps_it_as_text(client_for, carol, touchpoint):
    page = (
        client_for(carol)
        .get(reverse("touchpoint_detail", args=["nordic-air", touchpoint.pk]))
        .content.decode()
    )
    trend = page[page.index('data-testid="trend"') : page.index("</dd>", page.index("trend"))]
    assert '<svg class="sparkline"' in trend and 'role="img"' in trend
    assert 'aria-label="Check-in desk, ratings: 0"' in trend  # what a screen reader says
    assert 'class="sparkline__text"' in trend  # the values, as the caption


# --- last_saved -----------------------------------------------------------------------------


def test_last_saved_is_the_latest_change_in_one_query(alice, bob, touchpoint):
    services.touchpoint_update(
        actor=bob, touchpoint=touchpoint, version=1, desired_outcome="Bob's outcome."
    )
    current = services.touchpoint_update(
        actor=alice, touchpoint=touchpoint, version=2, customer_wants="Alice's wants."
    )
    with CaptureQueriesContext(connection) as queries:
        who, when = last_saved(current)
    assert len(queries) == 1
    latest = TouchpointChange.objects.filter(touchpoint=touchpoint).latest("changed_at")
    assert (who, when) == (alice, latest.changed_at)


def test_last_saved_of_a_touchpoint_without_history(touchpoint):
    touchpoint.refresh_from_db()
    assert last_saved(touchpoint) == (None, touchpoint.updated_at)


def test_a_later_save_of_untracked_fields_is_only_a_time(bob, touchpoint):
    services.touchpoint_update(
        actor=bob, touchpoint=touchpoint, version=1, desired_outcome="Bob's outcome."
    )
    current = services.touchpoint_update(
        actor=bob, touchpoint=touchpoint, version=2, name="Renamed desk"
    )
    fresh = Touchpoint.objects.get(pk=current.pk)
    assert last_saved(fresh) == (None, fresh.updated_at)  # nobody recorded for a name change


def test_a_deleted_author_is_none(bob, touchpoint):
    services.touchpoint_update(actor=bob, touchpoint=touchpoint, version=1, rating_target=1)
    TouchpointChange.objects.update(actor=None)
    who, when = last_saved(Touchpoint.objects.get(pk=touchpoint.pk))
    assert who is None and when is not None


# --- the edit conflict says who saved the other version, and when ----------------------------


def test_the_conflict_box_names_who_saved_and_when(client_for, alice, bob, touchpoint):
    url = reverse("touchpoint_edit", args=["nordic-air", touchpoint.pk])
    alice_form = form_data(touchpoint, desired_outcome="Alice: greet by name.")
    bob_form = form_data(touchpoint, desired_outcome="Bob: no queue at all.")
    assert client_for(alice).post(url, alice_form).status_code == 302
    TouchpointChange.objects.filter(touchpoint=touchpoint).update(changed_at=SAVED)
    Touchpoint.objects.filter(pk=touchpoint.pk).update(updated_at=SAVED)

    response = client_for(bob).post(url, bob_form)
    assert response.status_code == 409
    page = response.content.decode()
    box = page[page.index('id="conflict"') : page.index("</table>")]
    said = re.sub(r"\s+", " ", re.search(r'data-testid="saved-by">(.*?)</p>', box).group(1))
    assert said == "Saved by Alice Andersson at 1 Dec 2026 21:46"  # the organisation's time


def test_the_conflict_box_gives_the_time_when_the_person_is_unknown(
    client_for, bob, alice, touchpoint
):
    url = reverse("touchpoint_edit", args=["nordic-air", touchpoint.pk])
    stale = form_data(touchpoint, name="Bob's name")
    services.touchpoint_update(actor=alice, touchpoint=touchpoint, version=1, name="Alice's")
    Touchpoint.objects.filter(pk=touchpoint.pk).update(updated_at=SAVED)
    page = client_for(bob).post(url, stale).content.decode()
    said = re.search(r'data-testid="saved-by">(.*?)</p>', page).group(1)
    assert said == "Saved at 1 Dec 2026 21:46"
