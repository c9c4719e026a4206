"""The landing page shows what motmap is: a picture of the board, three points, sign up, log in."""

import re
from pathlib import Path
from xml.etree import ElementTree

from django.conf import settings
from django.contrib.staticfiles import finders

SVG = "{http://www.w3.org/2000/svg}"


def landing(client):
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_landing_page_pictures_the_board_and_makes_three_points(client, db):
    page = landing(client)
    main = page[page.index("<main") : page.index("</main>")]
    img = re.search(r'<img src="(/static/img/landing-board\.svg)"[^>]*>', main)
    assert img, "the board's picture"
    alt = re.search(r'alt="([^"]+)"', img.group(0)).group(1)
    assert "stages" in alt and "emotion curve" in alt
    assert "<figcaption>" in main
    points = re.findall(r"<li>\s*<h2[^>]*>([^<]+)</h2>", main)
    assert points == [
        "Every moment of truth, mapped",
        "The front line’s ideas, collected",
        "Reviewed regularly, with a printed pack",
    ]
    assert 'href="/accounts/signup/"' in main and ">Sign up<" in main
    assert 'href="/accounts/login/"' in main and ">Log in<" in main
    assert main.count("<h1") == 1


def test_the_picture_is_our_own_svg_of_stages_cards_and_a_curve(client, db):
    path = finders.find("img/landing-board.svg")
    assert path and Path(path).is_relative_to(Path(settings.BASE_DIR, "static"))
    text = Path(path).read_text()
    root = ElementTree.fromstring(text)  # noqa: S314  (our own file, in the repository)
    assert root.tag == f"{SVG}svg" and root.get("viewBox")
    # nothing fetched from elsewhere, nothing the page's CSP would refuse
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in text and "style" not in text and "<image" not in text
    columns = [g for g in root.iter(f"{SVG}g")]
    assert len(columns) >= 3  # the stages
    cards = [r for g in columns for r in g.iter(f"{SVG}rect") if r.get("fill") == "#fff"]
    assert len(cards) >= 6  # touchpoint cards
    lines = [p for p in root.iter(f"{SVG}polyline")]
    assert len(lines) == 2  # the emotion curve now, and the target
    assert len(lines[-1].get("points").split()) == len(cards)  # one point per card


def test_the_landing_page_loads_nothing_from_elsewhere(client, db):
    page = landing(client)
    assert not re.search(r'(src|href)="(https?:)?//', page)
