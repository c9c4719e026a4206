"""The PDF pack, read back with pypdf: names in customer order, page X of Y, paper sizes, text."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from packs import pdf
from packs.models import PackKind, PackStatus, StoredPack
from packs.services import store_review_pack, stored_pack_build
from reviews.models import Review, ReviewRating

A4 = (595.28, 841.89)
LETTER = (612, 792)


def get_pdf(client, journey, **query):
    response = client.get(f"/o/{journey.organisation.slug}/journeys/{journey.pk}/pack.pdf", query)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def page_texts(reader):
    return [page.extract_text() for page in reader.pages]


def assert_page_x_of_y(texts):
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"page {number} of {total}" in text, (number, text[-200:])


def test_pdf_holds_every_touchpoint_in_order_with_page_x_of_y(client_for, carol, journey):
    texts = page_texts(get_pdf(client_for(carol), journey))
    assert len(texts) >= 5  # cover, summary, touchpoints, actions, notes
    assert_page_x_of_y(texts)
    body = "\n".join(texts[2:])  # after the cover and the summary
    names = ["Phone booking", "Check-in desk", "Boarding gate"]
    positions = [body.index(name) for name in names]
    assert positions == sorted(positions)
    assert "Nordic Air" in texts[1] and "Business trip" in texts[1]  # running header


def test_the_footer_words_are_not_in_the_text_layer(client_for, carol, journey):
    """The hidden line that feeds "page"/"of" and the org's name to the running header and
    footer is laid out but not drawn: page 1 reads "page 1 of N", never a stray "page of"."""
    texts = page_texts(get_pdf(client_for(carol), journey))
    assert "page of" not in texts[0], texts[0][-200:]
    assert_page_x_of_y(texts)
    assert texts[0].count("Nordic Air") == 1  # the cover's line, not the hidden one
    assert "Nordic Air" in texts[1]  # the running header still reads the name


@pytest.mark.parametrize(
    "paper,size", [("A4", A4), ("letter", LETTER), ("Letter", LETTER), ("a4", A4)]
)
def test_paper_sizes(client_for, carol, journey, paper, size):
    reader = get_pdf(client_for(carol), journey, paper=paper)
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(size[0], abs=0.5)
        assert float(box.height) == pytest.approx(size[1], abs=0.5)


def test_organisation_setting_chooses_the_paper(client_for, carol, journey, nordic):
    nordic.paper_size = "letter"
    nordic.save()
    reader = get_pdf(client_for(carol), journey)
    assert float(reader.pages[0].mediabox.width) == pytest.approx(LETTER[0], abs=0.5)


def test_user_markup_is_printed_as_text_and_long_texts_are_not_clipped(client_for, carol, journey):
    tp = journey.touchpoints.get(name="Check-in desk")
    tp.name = "<b>Desk</b> <img src=file:///etc/passwd>"
    tp.desired_outcome = " ".join(f"w{i}" for i in range(5000)) + " ENDMARK"
    tp.save()
    texts = page_texts(get_pdf(client_for(carol), journey))
    joined = "\n".join(texts)
    assert "<b>Desk</b> <img src=file:///etc/passwd>" in joined
    assert "ENDMARK" in joined  # 5,000 words run over pages, nothing cut off
    assert_page_x_of_y(texts)
    assert len(texts) < 15  # printed at full width, not in a narrow column over 20 pages


def test_empty_journey_is_a_one_page_pack(client_for, carol, nordic):
    from tests.factories import JourneyFactory

    empty = JourneyFactory(organisation=nordic, name="Nothing yet")
    texts = page_texts(get_pdf(client_for(carol), empty))
    assert len(texts) == 1
    assert "no touchpoints yet" in texts[0]
    assert "page 1 of 1" in texts[0]


# --- the fetcher: nothing but the project's static files -----------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:8000/admin/",
        "https://example.com/x.css",
        "data:text/css;base64,Ym9keXt9",
        pdf.BASE_URL + "static/../motmap/settings.py",
        pdf.BASE_URL + "static/%2e%2e/motmap/settings.py",
        pdf.BASE_URL + "static/css/nope.css",
        pdf.BASE_URL + "o/nordic-air/",
        pdf.BASE_URL + "static/",
    ],
)
def test_fetcher_refuses_everything_but_static_files(url):
    with pytest.raises(pdf.FetchRefused):
        pdf.static_file_for(url)
    with pytest.raises(pdf.FetchRefused):
        pdf._fetcher().fetch(url)


def test_fetcher_serves_the_pack_stylesheet():
    response = pdf._fetcher().fetch(pdf.BASE_URL + "static/css/pack.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_weasyprint_loads_nothing_a_user_could_point_at(tmp_path, settings):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = (
        f'<link rel="stylesheet" href="file://{secret}">'
        '<img src="http://127.0.0.1:9/x.png"><img src="file:///etc/passwd"><p>hi</p>'
    )
    fetched = []

    fetcher = pdf._fetcher()
    original = fetcher.fetch

    def spy(url, headers=None):
        fetched.append(url)
        return original(url, headers)

    fetcher.fetch = spy
    import weasyprint

    weasyprint.HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=fetcher).write_pdf()
    assert fetched  # it asked, and was refused: nothing was read
    assert all(not pdf._is_served(url) for url in fetched)


# --- stored pack of a completed review ---------------------------------------------------


def _completed_review(journey, bob, carol):
    review = Review.objects.create(
        organisation=journey.organisation,
        journey=journey,
        held_on=timezone.localdate(),
        status="completed",
        completed_at=timezone.now(),
        completed_by=bob,
        guests="Anna from the call centre",
    )
    for position, tp in enumerate(journey.touchpoints.order_by("stage__position", "position")):
        ReviewRating.objects.create(
            review=review,
            touchpoint=tp,
            position=position,
            touchpoint_name=tp.name,
            stage_name=tp.stage.name,
            previous_rating=tp.rating_current,
            rating=tp.rating_current,
            target_rating=tp.rating_target,
        )
    review.attendees.set([bob, carol])
    return review


def test_stored_pack_of_a_completed_review_does_not_change_with_the_journey(
    client_for, bob, carol, journey, django_capture_on_commit_callbacks
):
    review = _completed_review(journey, bob, carol)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pack = store_review_pack(review)
        assert store_review_pack(review) == pack  # a second call: the same row
    assert len(callbacks) == 2  # both queue the task; it makes the pack once
    pack.refresh_from_db()
    assert pack.status == PackStatus.DONE and pack.kind == PackKind.JOURNEY
    first = bytes(pack.pdf)
    assert stored_pack_build(pack.pk) is None  # done already: left alone

    tp = journey.touchpoints.get(name="Check-in desk")
    tp.name = "Renamed desk"
    tp.save()

    url = f"/o/nordic-air/journeys/packs/{pack.pk}.pdf"
    response = client_for(carol).get(url)
    assert response.status_code == 200
    assert response.content == first
    text = "\n".join(page_texts(PdfReader(io.BytesIO(response.content))))
    assert "Check-in desk" in text and "Renamed desk" not in text
    assert "Carol Carlsson" in text and "Anna from the call centre" in text  # attendees
    live = "\n".join(page_texts(get_pdf(client_for(carol), journey)))
    assert "Renamed desk" in live

    listing = client_for(carol).get(f"/o/nordic-air/journeys/{journey.pk}/packs/")
    assert url in listing.content.decode()


def test_stored_pack_downloads_are_org_checked(client_for, mallory, bob, carol, journey):
    review = _completed_review(journey, bob, carol)
    pack = StoredPack.objects.create(
        organisation=journey.organisation,
        journey=journey,
        review=review,
        status=PackStatus.DONE,
        pdf=b"%PDF-1.4 test",
    )
    assert client_for(mallory).get(f"/o/nordic-air/journeys/packs/{pack.pk}.pdf").status_code == 404
    assert (
        client_for(mallory).get(f"/o/mallory-mart/journeys/packs/{pack.pk}.pdf").status_code == 404
    )
    assert client_for(carol).get(f"/o/nordic-air/journeys/packs/{pack.pk}.pdf").status_code == 200


def test_only_a_completed_review_has_a_pack(journey):
    review = Review.objects.create(
        organisation=journey.organisation, journey=journey, held_on=timezone.localdate()
    )
    with pytest.raises(ValueError):
        store_review_pack(review)


def test_a_pack_left_running_by_a_dead_worker_is_made_again(journey, bob, carol):
    review = _completed_review(journey, bob, carol)
    pack = StoredPack.objects.create(
        organisation=journey.organisation,
        journey=journey,
        review=review,
        status=PackStatus.RUNNING,
        started_at=timezone.now() - timedelta(hours=1),
    )
    assert stored_pack_build(pack.pk) == pack.pk
    pack.refresh_from_db()
    assert pack.status == PackStatus.DONE and pack.page_count >= 5
    assert re.match(rb"%PDF-", bytes(pack.pdf))


def test_completing_a_review_stores_the_pack_of_that_meeting(
    client_for, bob, carol, journey, django_capture_on_commit_callbacks
):
    from reviews import services as review_services

    review = review_services.review_start(
        actor=bob, journey=journey, held_on=timezone.localdate(), attendees=[bob, carol]
    )
    with django_capture_on_commit_callbacks(execute=True):
        review_services.review_complete(actor=bob, review=review)
    pack = StoredPack.objects.get(review=review)
    assert pack.status == PackStatus.DONE
    text = "\n".join(page_texts(PdfReader(io.BytesIO(bytes(pack.pdf)))))
    assert "Check-in desk" in text and "Carol Carlsson" in text
    page = client_for(carol).get(f"/o/nordic-air/reviews/{review.pk}/").content.decode()
    assert f"/o/nordic-air/journeys/packs/{pack.pk}/" in page
    assert f"/o/nordic-air/journeys/{journey.pk}/pack/?review={review.pk}" in page


def test_the_pack_is_a_tagged_pdf_with_its_language_and_title(client_for, carol, journey):
    """PDF/UA: a structure tree in reading order, marked as tagged, with /Lang and a title."""
    reader = get_pdf(client_for(carol), journey)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    tree = root["/StructTreeRoot"].get_object()
    kinds = set()

    def walk(node, depth=0):
        node = node.get_object()
        if hasattr(node, "get") and node.get("/S"):
            kinds.add(str(node["/S"]))
        kids = node.get("/K") if hasattr(node, "get") else None
        if kids is None or depth > 40:
            return
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
                walk(kid, depth + 1)

    walk(tree)
    assert {"/H1", "/P", "/Table", "/L"} <= kinds, kinds
    assert "Business trip" in reader.metadata.title
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
