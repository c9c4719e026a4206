"""Selects say what to choose: no page shows Django's "---------" placeholder.

motmap.forms.Form and ModelForm relabel it for every form of the project; this walks every page
(as in the permission matrix, in its world: tests/conftest.py `page_world`, built once for the
module) for an owner and for staff, GET and an empty POST (a form with errors), plus the pages
whose selects only show with content (a stage with touchpoints to move).
"""

import pytest
from django import forms
from django.urls import reverse
from django.utils.functional import Promise

from ideas.models import IdeaEvent
from journeys.forms import JourneyForm, StageDeleteForm
from journeys.models import Journey
from motmap.forms import GENERIC_PLACEHOLDER, PLACEHOLDERS, Form, ModelForm
from tests.conftest import client_with_session
from tests.test_permission_matrix import ACCESS, build_url
from touchpoints.forms import TouchpointForm
from touchpoints.models import Touchpoint

DASHES = "---------"


@pytest.mark.parametrize("persona", ["alice", "carol"])
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_no_page_shows_the_dashes_placeholder(name, persona, page_world, db):
    url = build_url(name, page_world)
    client = client_with_session(page_world["sessions"][persona])
    for response in (client.get(url), client.post(url, {})):
        if "html" not in response.get("Content-Type", ""):
            continue
        assert DASHES not in response.content.decode(errors="replace"), (url, response.request)


def test_the_selects_of_stage_removal_and_touchpoint_forms(page_world, db):
    journey = Journey.objects.get(pk=page_world["journey_id"])
    booking = journey.stages.get(name="Booking")  # has a touchpoint: the move-to select shows
    bob = client_with_session(page_world["sessions"]["bob"])
    page = bob.get(
        reverse("stage_delete", args=["nordic-air", journey.pk, booking.pk])
    ).content.decode()
    assert "Choose a stage…" in page and DASHES not in page
    page = bob.get(reverse("touchpoint_create", args=["nordic-air", journey.pk])).content.decode()
    assert "Choose an owner…" in page and DASHES not in page
    page = bob.get(reverse("journey_create", args=["nordic-air"])).content.decode()
    assert "Choose an owner…" in page and DASHES not in page


def test_placeholders_are_translatable_text():
    # Lazy: looked up in the language active when the page is drawn, not at import.
    assert all(isinstance(text, Promise) for text in PLACEHOLDERS.values())
    assert isinstance(GENERIC_PLACEHOLDER, Promise)


class _ModelChoices(Form):
    journey = forms.ModelChoiceField(queryset=Touchpoint.objects.none())
    something = forms.ModelChoiceField(queryset=Touchpoint.objects.none(), required=False)
    kept = forms.ModelChoiceField(queryset=Touchpoint.objects.none(), empty_label="Nobody")


class _ModelBlankChoices(ModelForm):
    placeholders = {"from_status": "Pick the status"}

    class Meta:
        model = IdeaEvent
        fields = ["from_status"]


def test_the_base_forms_relabel_empty_labels_and_blank_choices():
    form = _ModelChoices()
    assert form.fields["journey"].empty_label == "Choose a journey…"
    assert form.fields["something"].empty_label == "Choose…"
    assert form.fields["kept"].empty_label == "Nobody"  # a label a form chose is kept

    class WithBlank(Form):
        size = forms.ChoiceField(choices=[("", DASHES), ("s", "Small")], required=False)

    assert list(WithBlank().fields["size"].choices) == [("", "Choose…"), ("s", "Small")]
    # A model field with choices that may be blank gets a blank choice from Django: relabelled,
    # here with the form's own placeholder.
    form = _ModelBlankChoices()
    assert list(form.fields["from_status"].choices)[0] == ("", "Pick the status")
    assert DASHES not in str(form)


def test_the_project_forms_with_selects(page_world, db):
    journey = Journey.objects.get(pk=page_world["journey_id"])
    tp = journey.touchpoints.first()
    rendered = [
        str(JourneyForm(org=journey.organisation)),
        str(StageDeleteForm(stage=journey.stages.first())),
        str(TouchpointForm(journey=journey)),
        str(TouchpointForm(journey=journey, instance=tp)),
    ]
    for html in rendered:
        assert DASHES not in html
