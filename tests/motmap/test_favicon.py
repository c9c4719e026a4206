"""The favicon: an SVG in the brand colour, a 32x32 PNG, and /favicon.ico answering.

Found in the console of `make run`: every first visit logged "Not Found: /favicon.ico".
"""

import re
import struct
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
STATIC = ROOT / "static"
# Pages that answer without the template engine's help (500.html) or bring their own icon (the
# Swagger UI's, from drf-spectacular-sidecar); /favicon.ico answers for them anyway.
OWN_ICON = {"500.html", "api/swagger_ui.html"}


def test_favicon_ico_is_the_static_icon_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == f"{settings.STATIC_URL}favicon.ico"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_pages_link_the_svg_and_the_png_and_both_are_served(client):
    html = client.get("/accounts/login/").content.decode()
    links = dict(
        (rel_type, href)
        for href, rel_type in re.findall(
            r'<link rel="icon" href="([^"]+)"[^>]*type="([^"]+)"', html
        )
    )
    assert set(links) == {"image/svg+xml", "image/png"}, html[:1000]
    assert "data:image" not in html
    for mimetype, href in links.items():
        response = client.get(href)
        assert response.status_code == 200, href
        assert response["Content-Type"].startswith(mimetype), response["Content-Type"]


def test_the_svg_is_a_rounded_square_in_the_brand_colour():
    brand = re.search(r"--brand:\s*(#[0-9a-fA-F]{6})", (STATIC / "css/screen.css").read_text())
    svg = ElementTree.parse(STATIC / "favicon.svg").getroot()  # noqa: S314 (our own file)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    square = svg.find("svg:rect", ns)
    assert square is not None and float(square.get("rx")) > 0
    assert square.get("fill").lower() == brand.group(1).lower()
    assert svg.find("svg:path", ns) is not None and svg.find("svg:circle", ns) is not None


def test_the_png_fallback_is_32_by_32():
    data = (STATIC / "favicon-32.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (32, 32)


@pytest.mark.parametrize(
    "template",
    sorted(
        str(p.relative_to(ROOT / "templates"))
        for p in (ROOT / "templates").rglob("*.html")
        if re.search(r"<head[\s>]", p.read_text())
        and str(p.relative_to(ROOT / "templates")) not in OWN_ICON
    ),
)
def test_every_page_with_its_own_head_links_the_icon(template):
    text = (ROOT / "templates" / template).read_text()
    assert "favicon.svg" in text and "favicon-32.png" in text, template
