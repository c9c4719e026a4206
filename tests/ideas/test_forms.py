"""The ideas' forms: the decision offers what ideas.services.TRANSITIONS allows, and the
filters of the ideas board."""

import re

import pytest

from ideas.forms import IdeaFilterForm, StatusForm, next_statuses
from ideas.models import Idea, IdeaStatus
from ideas.services import TRANSITIONS
from tests.factories import IdeaFactory


@pytest.mark.parametrize("status", IdeaStatus.values)
def test_the_decision_offers_exactly_the_statuses_transitions_allows(status):
    offered = [value for value, _label in StatusForm(idea_status=status).fields["status"].choices]
    assert offered[0] == ""  # "Choose…": nothing is decided by pressing Save alone
    assert set(offered[1:]) == set(TRANSITIONS[status])
    assert offered[1:] == [v for v in IdeaStatus.values if v in TRANSITIONS[status]]


def test_the_idea_page_passes_the_status_now_as_the_initial_status():
    form = StatusForm(initial={"status": IdeaStatus.DECLINED})
    assert [v for v, _label in form.fields["status"].choices] == ["", IdeaStatus.UNDER_REVIEW]


def test_a_status_transitions_does_not_allow_is_a_field_error():
    form = StatusForm({"status": IdeaStatus.ACCEPTED}, idea_status=IdeaStatus.IMPLEMENTED)
    assert not form.is_valid() and "status" in form.errors
    form = StatusForm({"status": IdeaStatus.IN_PROGRESS}, idea_status=IdeaStatus.IMPLEMENTED)
    assert form.is_valid()


def test_without_the_status_now_every_status_is_parsed_and_the_service_decides():
    form = StatusForm({"status": IdeaStatus.NEW})
    assert form.is_valid()


def test_next_statuses_keeps_the_given_labels_and_order():
    decisions = [
        (IdeaStatus.ACCEPTED, "✓ Accept"),
        (IdeaStatus.UNDER_REVIEW, "… Look into it"),
        (IdeaStatus.DECLINED, "✗ Decline"),
    ]
    assert next_statuses(IdeaStatus.NEW, decisions) == decisions
    assert next_statuses(IdeaStatus.UNDER_REVIEW, decisions) == [decisions[0], decisions[2]]
    assert next_statuses("no such status", decisions) == []


@pytest.mark.django_db
def test_the_idea_page_shows_the_allowed_next_statuses(client_for, bob, touchpoint):
    idea = IdeaFactory(touchpoint=touchpoint, status=IdeaStatus.DECLINED)
    page = client_for(bob).get(f"/o/nordic-air/ideas/{idea.pk}/").content.decode()
    select = re.search(r'<select name="status"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "under_review"]
    assert Idea.objects.get(pk=idea.pk).status == IdeaStatus.DECLINED


@pytest.mark.django_db
def test_the_journey_filter_lists_the_journeys_given(journey):
    form = IdeaFilterForm({"journey": str(journey.pk)}, journeys=[journey])
    assert list(form.fields)[:4] == ["q", "status", "journey", "stage"]
    assert form.fields["journey"].choices == [("", "Any journey"), (str(journey.pk), journey.name)]
    assert form.is_valid() and form.filters() == {"journey": str(journey.pk)}
    form = IdeaFilterForm({"journey": "not-a-journey"}, journeys=[journey])
    assert "journey" not in form.filters()


@pytest.mark.django_db
def test_the_decision_shown_again_after_an_error_offers_only_the_allowed_statuses(
    client_for, bob, touchpoint
):
    idea = IdeaFactory(touchpoint=touchpoint, status=IdeaStatus.ACCEPTED)
    url = f"/o/nordic-air/ideas/{idea.pk}/status/"
    page = client_for(bob).post(url, {"status": IdeaStatus.DECLINED, "note": ""})
    page = page.content.decode()
    assert "Say why the idea is declined" in page
    select = re.search(r'<select name="status"[^>]*>(.*?)</select>', page, re.S).group(1)
    offered = re.findall(r'<option value="([^"]*)"', select)
    assert offered == ["", *[v for v in IdeaStatus.values if v in TRANSITIONS[IdeaStatus.ACCEPTED]]]
    assert re.search(r'<option value="declined"[^>]*selected', select)
    assert Idea.objects.get(pk=idea.pk).status == IdeaStatus.ACCEPTED


@pytest.mark.django_db
def test_a_posted_status_transitions_does_not_allow_is_refused_on_the_form(
    client_for, bob, touchpoint
):
    idea = IdeaFactory(touchpoint=touchpoint, status=IdeaStatus.IMPLEMENTED)
    url = f"/o/nordic-air/ideas/{idea.pk}/status/"
    page = client_for(bob).post(url, {"status": IdeaStatus.DECLINED, "note": "No"})
    select = re.search(r'<select name="status"[^>]*>(.*?)</select>', page.content.decode(), re.S)
    assert re.findall(r'<option value="([^"]*)"', select.group(1)) == ["", "in_progress"]
    assert Idea.objects.get(pk=idea.pk).status == IdeaStatus.IMPLEMENTED
