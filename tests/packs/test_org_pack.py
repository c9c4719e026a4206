"""The whole-organisation pack: made by a Celery task, progress shown, download when ready."""

import io
import re

from pypdf import PdfReader

from journeys.services import journey_archive
from packs.models import PackKind, PackStatus, StoredPack
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory


def test_manager_starts_an_org_pack_and_downloads_it_when_ready(
    client_for, bob, carol, journey, nordic, django_capture_on_commit_callbacks
):
    second = JourneyFactory(organisation=nordic, name="Lost baggage")
    TouchpointFactory(stage=StageFactory(journey=second, position=1), name="Baggage desk")
    archived = JourneyFactory(organisation=nordic, name="Old journey")
    journey_archive(actor=bob, journey=archived)
    client = client_for(bob)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/o/nordic-air/journeys/packs/", {"paper": "letter"})
    assert response.status_code == 302
    pack = StoredPack.objects.get(kind=PackKind.ORGANISATION)
    assert response["Location"] == f"/o/nordic-air/journeys/packs/{pack.pk}/"
    # Nothing was made in the web request: the task is queued after the commit.
    assert pack.status == PackStatus.QUEUED
    page = client_for(carol).get(response["Location"]).content.decode()
    assert "Queued" in page and 'hx-trigger="every 2s"' in page and 'http-equiv="refresh"' in page

    callbacks[0]()  # the worker runs the task (eagerly in tests)
    pack.refresh_from_db()
    assert pack.status == PackStatus.DONE
    assert pack.progress_done == pack.progress_total == 3  # two journeys + the layout
    detail = client_for(carol).get(f"/o/nordic-air/journeys/packs/{pack.pk}/").content.decode()
    assert "hx-trigger" not in detail and f"/packs/{pack.pk}.pdf" in detail

    response = client_for(carol).get(f"/o/nordic-air/journeys/packs/{pack.pk}.pdf")
    reader = PdfReader(io.BytesIO(response.content))
    texts = [p.extract_text() for p in reader.pages]
    total = len(texts)
    assert all(f"page {i} of {total}" in t for i, t in enumerate(texts, start=1))
    joined = "\n".join(texts)
    assert joined.index("Business trip") < joined.index("Lost baggage")
    assert "Old journey" not in joined
    # The contents list gives each journey's first page.
    cover = texts[0]
    lost_page = next(i for i, t in enumerate(texts, start=1) if "Lost baggage" in t and i > 1)
    assert "Contents" in cover
    assert re.search(r"Lost baggage\s*\.+\s*(\d+)", cover)[1] == str(lost_page)
    assert float(reader.pages[0].mediabox.width) == 612


def test_staff_cannot_start_an_org_pack_but_can_see_the_list(client_for, carol, journey):
    assert client_for(carol).post("/o/nordic-air/journeys/packs/", {}).status_code == 403
    assert not StoredPack.objects.exists()
    page = client_for(carol).get("/o/nordic-air/journeys/packs/").content.decode()
    assert "Make a pack of every journey" not in page


def test_bad_paper_for_an_org_pack_is_a_clear_message(client_for, bob, journey):
    response = client_for(bob).post("/o/nordic-air/journeys/packs/", {"paper": "A0"})
    assert response.status_code == 400
    assert "Paper must be A4 or letter." in response.content.decode()
    assert not StoredPack.objects.exists()


def test_htmx_poll_gets_only_the_status(client_for, carol, nordic):
    pack = StoredPack.objects.create(
        organisation=nordic, kind=PackKind.ORGANISATION, progress_done=1, progress_total=4
    )
    response = client_for(carol).get(
        f"/o/nordic-air/journeys/packs/{pack.pk}/", HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="pack-status"') and "step 1 of 4" in body
    unready = client_for(carol).get(f"/o/nordic-air/journeys/packs/{pack.pk}.pdf")
    assert unready.status_code == 302
