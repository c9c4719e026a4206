"""Smaller defects found from outside: a 403 logged as a traceback, and form text with bytes
that are not UTF-8 stored with replacement characters."""

import io
import logging

import pytest
from django.apps import apps
from django.test import Client

from ideas.models import Comment, Idea
from journeys.models import Journey
from motmap.forms import ReadableText
from motmap.logfilters import ClientErrorsOnOneLine


@pytest.fixture
def console():
    """What the console handler (settings.LOGGING) prints."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ClientErrorsOnOneLine) for f in h.filters)
    )
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_an_ordinary_403_is_one_line_in_the_console(console, client_for, carol):
    response = client_for(carol).get("/o/nordic-air/journeys/new/")
    assert response.status_code == 403
    printed = console.getvalue()
    assert "Forbidden (Permission denied): /o/nordic-air/journeys/new/" in printed
    assert "Traceback" not in printed
    assert len(printed.strip().splitlines()) == 1


def test_a_server_error_keeps_its_traceback(console):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x", exc_info=True, extra={"status_code": 500}
        )
    assert "Traceback" in console.getvalue()


# --- text that is not UTF-8 -------------------------------------------------------------------

BAD = b"%C3%28"  # an invalid two-byte sequence: Django decodes it to U+FFFD


def post_raw(client, url, body):
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def test_an_idea_with_bytes_that_are_not_utf8_gets_a_field_error(client_for, carol, touchpoint):
    client = client_for(carol)
    body = (
        b"touchpoint="
        + str(touchpoint.pk).encode()
        + b"&title=Greet+"
        + BAD
        + b"&today=Nobody+greets&proposal=Say+hello"
        + b"&submission_token=2d0c3c1e-0b5e-4c2e-9d3a-1a2b3c4d5e6f"
    )
    response = post_raw(client, "/o/nordic-air/ideas/new/", body)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["title"]
    assert "not UTF-8" in errors["title"][0]
    assert not Idea.objects.exists()


def test_a_journey_name_with_bad_bytes_changes_nothing(client_for, bob, journey):
    before = Journey.objects.get(pk=journey.pk).name
    response = post_raw(
        client_for(bob),
        f"/o/nordic-air/journeys/{journey.pk}/edit/",
        b"name=Trip+" + BAD + b"&cadence=quarterly&owner=",
    )
    assert response.status_code == 200
    assert "not UTF-8" in response.content.decode()
    assert Journey.objects.get(pk=journey.pk).name == before


def test_a_comment_with_bad_bytes_is_refused(client_for, carol, touchpoint):
    from ideas import services

    idea, _ = services.idea_submit(
        actor=carol, touchpoint=touchpoint, title="Names", today="None", proposal="Names"
    )
    response = post_raw(
        client_for(carol), f"/o/nordic-air/ideas/{idea.pk}/comments/", b"body=" + BAD
    )
    assert response.status_code == 200
    assert "not UTF-8" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_replacement_character_typed_in_good_utf8_is_refused_the_same_way(
    client_for, carol, touchpoint
):
    response = client_for(carol).post(
        "/o/nordic-air/ideas/new/",
        {
            "touchpoint": str(touchpoint.pk),
            "title": "Broken \ufffd text",
            "today": "x",
            "proposal": "y",
        },
    )
    assert "title" in response.context["form"].errors


def test_login_with_bad_bytes_is_a_field_error_not_a_500():
    response = post_raw(
        Client(), "/accounts/login/", b"username=a" + BAD + b"%40x.example&password=x"
    )
    assert response.status_code == 200
    assert "not UTF-8" in response.content.decode()


def test_every_form_of_the_project_refuses_unreadable_text():
    """A new form that does not derive from motmap.forms.Form/ModelForm fails here."""
    from django import forms

    project = {app.name for app in apps.get_app_configs() if app.path.startswith(str(_root()))}
    found = [
        cls
        for cls in _subclasses(forms.BaseForm)
        if cls.__module__.split(".")[0] in project and cls.__module__.split(".")[0] != "tests"
    ]
    assert len(found) > 20
    missing = [f"{c.__module__}.{c.__name__}" for c in found if not issubclass(c, ReadableText)]
    assert not missing, missing


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)
