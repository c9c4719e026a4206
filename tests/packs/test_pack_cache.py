"""A journey's pack.pdf that has not changed since it was last made comes from the cache, keyed
by its content: no WeasyPrint run. Any change to what it shows makes a fresh one."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from ideas import services as idea_services
from packs import pdf


@pytest.fixture
def layouts(monkeypatch):
    """How many times WeasyPrint laid out a PDF (the real one runs)."""
    calls = []
    real = pdf.html_to_document

    def counted(html):
        calls.append(html)
        return real(html)

    monkeypatch.setattr(pdf, "html_to_document", counted)
    return calls


def _download(client, journey, **query):
    url = f"/o/{journey.organisation.slug}/journeys/{journey.pk}/pack.pdf"
    response = client.get(url, query)
    assert response.status_code == 200, response.content[:300]
    return response.content


def _text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_second_download_of_an_unchanged_pack_comes_from_the_cache(
    client_for, carol, journey, layouts
):
    client = client_for(carol)
    # Both on one day wherever the organisation is (five minutes after a local midnight the
    # pack says another "today").
    noon = timezone.now().replace(hour=11, minute=0)
    with time_machine.travel(noon, tick=False):
        first = _download(client, journey)
    with time_machine.travel(noon + timedelta(minutes=5), tick=False):  # "Printed" moved on
        second = _download(client, journey)
    assert len(layouts) == 1
    assert second == first


def test_a_change_to_the_journey_makes_a_fresh_pack(client_for, carol, bob, journey, layouts):
    client = client_for(carol)
    _download(client, journey)
    desk = journey.touchpoints.get(name="Check-in desk")
    idea_services.idea_submit(
        actor=carol, touchpoint=desk, title="Kiosk for bag tags", today="Queue.", proposal="Kiosk."
    )
    fresh = _download(client, journey)
    assert len(layouts) == 2
    assert "Kiosk for bag tags" in _text(fresh)


def test_another_paper_is_another_pack(client_for, carol, journey, layouts):
    client = client_for(carol)
    _download(client, journey, paper="A4")
    _download(client, journey, paper="letter")
    assert len(layouts) == 2
