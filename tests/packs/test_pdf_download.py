"""The "Download PDF" links save the pack as a file; "Open" (the plain address) shows it inline.

Found by hand: "Download PDF" answered `Content-Disposition: inline`, so the browser opened the
PDF in the tab instead of saving it.
"""

import re
from html import unescape

import pytest

from packs.models import PackKind, PackStatus, StoredPack

FILENAME = re.compile(r'filename="([\w.-]+\.pdf)"')


def _disposition(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    kind, _, rest = response["Content-Disposition"].partition(";")
    match = FILENAME.search(rest)
    assert match, response["Content-Disposition"]
    return kind, match.group(1)


def _hrefs(html):
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


@pytest.fixture
def stored(nordic, carol):
    return StoredPack.objects.create(
        organisation=nordic,
        kind=PackKind.ORGANISATION,
        title="Nordic Air review pack",
        status=PackStatus.DONE,
        pdf=b"%PDF-1.4 test",
        page_count=1,
        created_by=carol,
    )


def test_a_journey_pack_opens_inline_and_downloads_as_an_attachment(client_for, carol, journey):
    client = client_for(carol)
    url = f"/o/nordic-air/journeys/{journey.pk}/pack.pdf"
    kind, name = _disposition(client.get(url))
    assert kind == "inline" and name.startswith("pack-business-trip-")
    kind, name = _disposition(client.get(url, {"download": "1", "paper": "letter"}))
    assert kind == "attachment" and name.startswith("pack-business-trip-")


def test_the_print_views_download_link_downloads_the_pack_it_shows(client_for, carol, journey):
    client = client_for(carol)
    page = client.get(f"/o/nordic-air/journeys/{journey.pk}/pack/", {"paper": "letter"})
    links = [h for h in _hrefs(page.content.decode()) if ".pdf" in h]
    assert len(links) == 1 and "download=1" in links[0] and "paper=letter" in links[0]
    assert _disposition(client.get(links[0]))[0] == "attachment"


def test_a_stored_pack_opens_inline_and_downloads_as_an_attachment(client_for, carol, stored):
    client = client_for(carol)
    url = f"/o/nordic-air/journeys/packs/{stored.pk}.pdf"
    assert _disposition(client.get(url)) == ("inline", "nordic-air-review-pack.pdf")
    assert _disposition(client.get(url, {"download": "1"})) == (
        "attachment",
        "nordic-air-review-pack.pdf",
    )


def test_the_download_links_download_and_open_opens(client_for, carol, stored):
    client = client_for(carol)
    url = f"/o/nordic-air/journeys/packs/{stored.pk}.pdf"
    for page in (f"/o/nordic-air/journeys/packs/{stored.pk}/", "/o/nordic-air/journeys/packs/"):
        hrefs = _hrefs(client.get(page).content.decode())
        assert f"{url}?download=1" in hrefs, page
    detail = client.get(f"/o/nordic-air/journeys/packs/{stored.pk}/").content.decode()
    assert re.search(rf'href="{re.escape(url)}\?download=1"[^>]*>Download the PDF<', detail)
    assert re.search(rf'href="{re.escape(url)}"[^>]*>Open<', detail)


def test_the_journeys_pack_list_offers_both(client_for, carol, journey):
    html = client_for(carol).get(f"/o/nordic-air/journeys/{journey.pk}/packs/").content.decode()
    url = f"/o/nordic-air/journeys/{journey.pk}/pack.pdf"
    assert re.search(rf'href="{re.escape(url)}"[^>]*>Open PDF<', html)
    assert re.search(rf'href="{re.escape(url)}\?download=1"[^>]*>Download PDF<', html)
    assert re.search(rf'href="{re.escape(url)}\?quarter=[\w-]+&amp;download=1"', html)
