"""`manage.py seed_demo` from an empty database (the demo's contents: test_seed_demo.py)."""

import io

import pytest
from django.core.management import call_command

from demo.seed import JOURNEYS, PASSWORD
from ideas.models import Idea
from tests.motmap.test_seed_demo import EMAILS


@pytest.mark.django_db
def test_command_prints_what_it_did_and_the_logins():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "Nordic Air" in text
    assert PASSWORD in text
    for email in EMAILS:
        assert email in text
    for spec in JOURNEYS:
        assert spec["name"] in text
    assert f"{Idea.objects.count()} ideas created" in text

    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "already there" in again.getvalue()
    assert "alice@nordic-air.example" in again.getvalue()
    assert "0 ideas created" in again.getvalue()
