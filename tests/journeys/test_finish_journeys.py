"""Finishing touches on the board, the stages, the journey form and the organisation home."""

import datetime
import re
from html import unescape
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from journeys.models import Journey
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory


def text_of(html):
    """The page as read: tags removed, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def board(client, journey):
    return client.get(reverse("journey_board", args=["nordic-air", journey.pk])).content.decode()


def review_line(html):
    start = html.index('id="next-review"')
    return text_of(html[start : html.index("</p>", start)])


# --- the board's review line: separators only between what is there ----------------------------


def test_staff_see_one_separator_between_the_next_review_and_past_reviews(
    client_for, carol, journey
):
    Journey.objects.filter(pk=journey.pk).update(next_review_on=datetime.date(2027, 3, 1))
    line = review_line(board(client_for(carol), journey))
    assert line.endswith("Next review: 1 Mar 2027 · Past reviews")
    assert "· ·" not in line


def test_a_manager_sees_start_review_between_two_separators(client_for, bob, journey):
    Journey.objects.filter(pk=journey.pk).update(next_review_on=datetime.date(2027, 3, 1))
    line = review_line(board(client_for(bob), journey))
    assert line.endswith("Next review: 1 Mar 2027 · Start review · Past reviews")


# --- hints that fit any business ----------------------------------------------------------------


def test_stage_hints_fit_any_business(client_for, bob, nordic):
    cafe = JourneyFactory(organisation=nordic, name="Morning coffee")
    stages = client_for(bob).get(reverse("stage_list", args=["nordic-air", cafe.pk]))
    page = stages.content.decode()
    assert "Typical stages follow the customer: finding you, first contact" in page
    page += board(client_for(bob), cafe)
    for airline_word in ("Airport", "Flight", "After the trip"):
        assert airline_word not in page


def test_no_template_offers_airline_examples():
    found = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text()
        for hint in re.findall(r"(?:Typical|e\.g\.|for example)[^\"{<]*", text):
            if re.search(r"Booking|Airport|Flight|Business trip|boarding", hint):
                found.append((path.name, hint))
    assert not found


def test_the_journey_forms_segment_hint_fits_any_business(client_for, bob):
    page = client_for(bob).get(reverse("journey_create", args=["nordic-air"])).content.decode()
    assert "business traveller" not in page


# --- the board's seconds of truth: the duration once ------------------------------------------


def test_seconds_under_a_minute_are_not_repeated_as_a_duration(client_for, carol, nordic):
    j = JourneyFactory(organisation=nordic, name="Quick stop")
    stage = StageFactory(journey=j, name="Till")
    TouchpointFactory(stage=stage, duration_seconds=48)
    html = board(client_for(carol), j)
    start = html.index('data-testid="seconds-per-customer"')
    figure = text_of(html[start : html.index("</dd>", start)].split(">", 1)[1])
    assert figure == "48"


def test_seconds_over_a_minute_also_read_as_minutes(client_for, carol, journey):
    html = board(client_for(carol), journey)
    start = html.index('data-testid="seconds-per-customer"')
    figure = text_of(html[start : html.index("</dd>", start)].split(">", 1)[1])
    assert figure == "350 (5 min 50 s)"


# --- the journey form: "Every how many weeks" only with that cadence --------------------------


def test_the_weeks_field_is_marked_to_show_only_with_its_cadence(client_for, bob):
    page = client_for(bob).get(reverse("journey_create", args=["nordic-air"])).content.decode()
    assert 'class="form form--journey"' in page
    wrapper = re.search(r'<div class="([^"]*)">\s*<label for="id_review_every_weeks"', page)
    assert wrapper and "field--interval" in wrapper.group(1).split()
    css = Path(settings.BASE_DIR, "static/css/screen.css").read_text()
    rule = next(line for line in css.splitlines() if ".field--interval" in line)
    # Hidden by CSS alone while another cadence is chosen; a browser without :has() drops the
    # whole rule and shows the field.
    assert rule.startswith(".form--journey:not(:has(")
    assert 'option[value="weeks"]:checked' in rule and "display: none" in rule
    assert ".field--interval:not(.field--error)" in rule


def test_the_weeks_field_is_still_checked_by_the_server(client_for, bob, nordic):
    url = reverse("journey_create", args=["nordic-air"])
    response = client_for(bob).post(url, {"name": "Weekly", "review_cadence": "weeks"})
    assert response.status_code == 200
    assert "Say every how many weeks." in response.content.decode()
    assert 'class="field field--error field--number field--interval"' in (response.content.decode())
    assert not Journey.objects.filter(name="Weekly").exists()
    response = client_for(bob).post(
        url, {"name": "Weekly", "review_cadence": "weeks", "review_every_weeks": "3"}
    )
    assert response.status_code == 302
    assert Journey.objects.get(name="Weekly").review_every_weeks == 3


# --- an empty organisation's home: one first step -----------------------------------------------


def home(client):
    return client.get(reverse("organisation_home", args=["nordic-air"])).content.decode()


def test_an_empty_organisation_offers_one_first_step_to_a_manager(client_for, bob):
    page = home(client_for(bob))
    main = page[page.index("<main") :]
    assert main.count("button--primary") == 1
    assert "Map your first journey" in main
    assert "New journey" not in main
    assert "A journey is the path your customers take with you" in main
    assert "Ideas waiting for a decision" not in main
    assert main.count('class="empty') == 0 and main.count('class="panel') == 0


def test_staff_learn_that_a_manager_maps_the_journeys(client_for, carol):
    page = home(client_for(carol))
    assert "Map your first journey" not in page
    assert "A manager maps the journeys." in page


def test_with_journeys_the_home_lists_them_with_the_new_journey_button(client_for, bob, journey):
    page = home(client_for(bob))
    assert "New journey" in page and "Map your first journey" not in page
    assert "Ideas waiting for a decision" in page
